// The bench API over Electron IPC: one ipcMain handler per method of the contract (no generic
// channel), each checking its sender first. A window gets a bench session of its own (its
// watched boards and tasks) and its events on one channel. Replies are envelopes, because
// invoke() would flatten a thrown error into a string and lose its code.
import type { BenchReply } from '../shared/bench/api';
import { BENCH_EVENT_CHANNEL, BENCH_METHOD_NAMES, benchChannel } from '../shared/bench/method-names';
import type { BenchEvent } from '../shared/bench/model';
import { ForbiddenError, toOurciError } from '../shared/errors';
import type { InvokeEventLike, TrustedSenders } from './trusted-senders';

export interface SenderLike {
  id: number;
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', fn: () => void): void;
}

export interface IpcInvokeEvent extends InvokeEventLike {
  sender: SenderLike;
}

/** The slice of Electron's ipcMain this module uses (tests pass a plain object). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface SessionLike {
  call(method: string, params: unknown): Promise<unknown>;
  close(): void;
}

export type OpenSession = (send: (event: BenchEvent) => void) => SessionLike;

export class BenchIpc {
  private readonly sessions = new Map<number, SessionLike>();
  private registered = false;

  constructor(
    private readonly ipc: IpcMainLike,
    private readonly trusted: TrustedSenders,
    private readonly open: OpenSession,
    private readonly log: (line: string) => void = () => {},
  ) {}

  register(): void {
    if (this.registered) return;
    this.registered = true;
    for (const method of BENCH_METHOD_NAMES) {
      this.ipc.handle(benchChannel(method), (event, params) => this.invoke(method, event, params));
    }
  }

  private async invoke(method: string, event: IpcInvokeEvent, params: unknown): Promise<BenchReply<unknown>> {
    if (!this.trusted.isTrusted(event)) {
      this.log(`bench ipc: refused ${method} from webContents ${event.sender.id} (${event.senderFrame?.url ?? 'no frame'})`);
      return { ok: false, error: new ForbiddenError('this window may not use the bench').toJSON() };
    }
    try {
      return { ok: true, result: await this.sessionOf(event.sender).call(method, params) };
    } catch (err) {
      return { ok: false, error: toOurciError(err).toJSON() };
    }
  }

  private sessionOf(sender: SenderLike): SessionLike {
    let s = this.sessions.get(sender.id);
    if (s) return s;
    s = this.open((e) => {
      if (!sender.isDestroyed()) sender.send(BENCH_EVENT_CHANNEL, e);
    });
    this.sessions.set(sender.id, s);
    sender.once('destroyed', () => {
      this.sessions.get(sender.id)?.close();
      this.sessions.delete(sender.id);
      this.trusted.remove(sender.id);
    });
    return s;
  }

  dispose(): void {
    if (this.registered) for (const method of BENCH_METHOD_NAMES) this.ipc.removeHandler(benchChannel(method));
    this.registered = false;
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}
