// Transport-agnostic JSON-RPC client with reconnect (backoff 1 s → 60 s plus jitter, DESIGN.md §3).
// Runs over anything that carries text frames: `ws` in Node, the browser's WebSocket, an
// Electron bridge. Calls made while disconnected wait for the connection (up to their timeout);
// calls in flight when it drops fail with 503 so the caller can decide whether to retry.
import { isRetryableCode, OurciError, TimeoutError, UnavailableError } from '../errors';
import { decodeFrame, type RpcId } from './frame';

export interface FrameSocket {
  send(text: string): void;
  close(): void;
}

export interface SocketEvents {
  open(): void;
  message(text: string): void;
  /** `fatal` stops reconnecting (e.g. the token was refused) and fails every waiter with it. */
  close(reason: string, fatal?: OurciError): void;
}

/** Opens a socket and reports its events; returning must not throw (report close instead). */
export type SocketFactory = (events: SocketEvents) => FrameSocket;

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface RpcClientOptions {
  connect: SocketFactory;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Default per-call timeout; 0 disables. */
  callTimeoutMs?: number;
  onState?: (state: ConnectionState, detail?: string) => void;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Retry on 429/503/504 and lost connections until the timeout. Only for idempotent calls. */
  retry?: boolean;
}

export type MethodMap = Record<string, { params: unknown; result: unknown }>;

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  method: string;
  /** Epoch ms after which the call fails with 504 (Infinity: never). */
  deadline: number;
}

export class RpcClient<M extends MethodMap = MethodMap> {
  private socket: FrameSocket | null = null;
  private stateValue: ConnectionState = 'closed';
  private nextId = 1;
  private readonly pending = new Map<RpcId, Pending>();
  private readonly openWaiters = new Set<() => void>();
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private readonly reconnectHooks = new Set<() => void>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private everOpened = false;
  private fatal: OurciError | null = null;
  /** One timer for every pending call, armed at the earliest deadline (see watchDeadline). */
  private deadlineTimer: ReturnType<typeof setTimeout> | null = null;
  private deadlineAt = Infinity;

  constructor(private readonly opts: RpcClientOptions) {
    this.open();
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Resolves once connected (or rejects after `timeoutMs`). */
  ready(timeoutMs = 10_000): Promise<void> {
    if (this.stateValue === 'open') return Promise.resolve();
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(t);
        if (this.fatal) reject(this.fatal);
        else resolve();
      };
      const t = setTimeout(() => {
        this.openWaiters.delete(done);
        reject(new UnavailableError('could not connect to the master'));
      }, timeoutMs);
      this.openWaiters.add(done);
    });
  }

  call<K extends keyof M & string>(method: K, params: M[K]['params'], opts: CallOptions = {}): Promise<M[K]['result']> {
    const timeoutMs = opts.timeoutMs ?? this.opts.callTimeoutMs ?? 30_000;
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    if (!opts.retry) return this.callOnce(method, params, deadline, opts.signal) as Promise<M[K]['result']>;
    return this.callRetrying(method, params, deadline, opts.signal) as Promise<M[K]['result']>;
  }

  notify<K extends keyof M & string>(method: K, params: M[K]['params']): boolean {
    if (this.stateValue !== 'open' || !this.socket) return false;
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
    return true;
  }

  /** Listens to server notifications of one method; returns an unsubscribe function. */
  on(method: string, fn: (params: unknown) => void): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  }

  /** Runs after every successful reconnect (not the first connect): re-subscribe here. */
  onReconnect(fn: () => void): () => void {
    this.reconnectHooks.add(fn);
    return () => this.reconnectHooks.delete(fn);
  }

  close(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.failPending(new UnavailableError('client closed')); // the last one out clears the timer
    const s = this.socket;
    this.socket = null;
    this.setState('closed', 'client closed');
    s?.close();
  }

  private async callRetrying(method: string, params: unknown, deadline: number, signal?: AbortSignal): Promise<unknown> {
    let delay = 200;
    for (;;) {
      try {
        return await this.callOnce(method, params, deadline, signal);
      } catch (err) {
        const retryable = err instanceof OurciError && isRetryableCode(err.code) && !(err instanceof TimeoutError);
        if (!retryable || this.stopped || Date.now() + delay >= deadline || signal?.aborted) throw err;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private async callOnce(method: string, params: unknown, deadline: number, signal?: AbortSignal): Promise<unknown> {
    if (this.fatal) throw this.fatal;
    if (this.stopped) throw new UnavailableError('client closed');
    if (this.stateValue !== 'open') await this.waitOpen(deadline, signal);
    if (this.fatal) throw this.fatal;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        this.pending.delete(id);
        if (this.pending.size === 0) this.unwatchDeadlines();
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        cleanup();
        reject(new OurciError(499, 'cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        method,
        deadline,
        resolve: (v) => {
          cleanup();
          resolve(v);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      });
      this.watchDeadline(deadline);
      try {
        this.socket!.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: params ?? {} }));
      } catch {
        cleanup();
        reject(new UnavailableError('connection lost'));
      }
    });
  }

  /**
   * Call timeouts share one timer armed at the earliest deadline, so a call that ends in time
   * costs no timer operation (a setTimeout and a clearTimeout per call were ~5 % of a busy
   * consumer's CPU). Calls mostly share one timeout, so the earliest deadline is the oldest
   * call's and the timer is re-armed about once per timeout period, not once per call.
   */
  private watchDeadline(deadline: number): void {
    if (deadline >= this.deadlineAt) return;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineAt = deadline;
    this.deadlineTimer = setTimeout(() => this.expireCalls(), Math.max(0, deadline - Date.now()));
    // A pending call keeps a Node process alive through its open socket, not through this
    // timer (browsers, where this client also runs, have no unref).
    (this.deadlineTimer as { unref?: () => void }).unref?.();
  }

  private unwatchDeadlines(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    this.deadlineAt = Infinity;
  }

  /** Fails the calls whose deadline has passed and re-arms for the earliest of the rest. */
  private expireCalls(): void {
    this.deadlineTimer = null;
    this.deadlineAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const p of [...this.pending.values()]) {
      if (p.deadline <= now) p.reject(new TimeoutError(`${p.method} timed out`));
      else if (p.deadline < next) next = p.deadline;
    }
    if (next !== Infinity) this.watchDeadline(next);
  }

  private waitOpen(deadline: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(t);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.openWaiters.delete(done);
        clearTimeout(t);
        reject(new OurciError(499, 'cancelled'));
      };
      const t = setTimeout(
        () => {
          this.openWaiters.delete(done);
          signal?.removeEventListener('abort', onAbort);
          reject(new UnavailableError('not connected to the master'));
        },
        deadline === Infinity ? 2 ** 31 - 1 : Math.max(0, deadline - Date.now()),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.openWaiters.add(done);
    });
  }

  private open(): void {
    if (this.stopped) return;
    this.setState('connecting');
    let current: FrameSocket | null = null;
    let closedOnce = false;
    current = this.opts.connect({
      open: () => {
        if (this.socket !== current) return;
        const reconnected = this.everOpened;
        this.everOpened = true;
        this.attempt = 0;
        this.setState('open');
        for (const w of [...this.openWaiters]) {
          this.openWaiters.delete(w);
          w();
        }
        if (reconnected) for (const h of this.reconnectHooks) h();
      },
      message: (text) => {
        if (this.socket === current) this.onFrame(text);
      },
      close: (reason, fatal) => {
        if (closedOnce || this.socket !== current) return;
        closedOnce = true;
        this.socket = null;
        this.failPending(fatal ?? new UnavailableError(`connection lost: ${reason}`));
        if (fatal) {
          this.fatal = fatal;
          this.stopped = true;
          for (const w of [...this.openWaiters]) w();
          this.openWaiters.clear();
          this.setState('closed', reason);
          return;
        }
        if (this.stopped) return;
        this.setState('connecting', reason);
        this.scheduleReconnect();
      },
    });
    this.socket = current;
  }

  private scheduleReconnect(): void {
    const min = this.opts.minBackoffMs ?? 1000;
    const max = this.opts.maxBackoffMs ?? 60_000;
    const base = Math.min(max, min * 2 ** this.attempt++);
    const delay = base * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private onFrame(text: string): void {
    const d = decodeFrame(text);
    if (d.kind === 'response') {
      const p = this.pending.get(d.response.id);
      if (!p) return;
      if (d.response.error) p.reject(new OurciError(d.response.error.code, d.response.error.message, d.response.error.data));
      else p.resolve(d.response.result);
    } else if (d.kind === 'request' && d.request.id === undefined) {
      const set = this.listeners.get(d.request.method);
      if (set) for (const fn of set) fn(d.request.params);
    } else if (d.kind === 'invalid' && d.id !== null) {
      this.pending.get(d.id)?.reject(d.error);
    } else if (d.kind === 'invalid' && d.id === null) {
      // A frame the server could not attribute (e.g. too large): nothing to resolve.
    }
  }

  private failPending(err: OurciError): void {
    for (const p of [...this.pending.values()]) p.reject(err);
    this.pending.clear();
  }

  private setState(s: ConnectionState, detail?: string): void {
    if (this.stateValue === s) return;
    this.stateValue = s;
    this.opts.onState?.(s, detail);
  }
}
