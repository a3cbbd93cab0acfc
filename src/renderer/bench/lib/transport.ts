// How the bench UI reaches the bench: in the Electron app through the preload's functions
// (window.ourciBench, IPC), in a browser through the headless bench's WebSocket. Both carry
// the same contract (src/shared/bench), so every page is written once against this interface.
import type { BenchBridge, BenchMethods, BenchParams, BenchResult } from '../../../shared/bench/api';
import { BENCH_EVENT_METHOD, benchFunctionName, type BenchMethodName } from '../../../shared/bench/method-names';
import type { BenchEvent } from '../../../shared/bench/model';
import { OurciError, UnauthorizedError } from '../../../shared/errors';
import { RpcClient, type ConnectionState } from '../../../shared/rpc/rpc-client';
import { browserSocket } from '../../lib/rpc/browser-socket';
import { tokenAccepted } from './session';

export interface BenchTransport {
  readonly kind: 'ipc' | 'ws';
  call<K extends BenchMethodName>(method: K, params: BenchParams<K>): Promise<BenchResult<K>>;
  onEvent(fn: (e: BenchEvent) => void): () => void;
  /** Connection changes; IPC is always open. */
  onState(fn: (s: ConnectionState, detail?: string) => void): () => void;
  /** After a reconnect the server has forgotten the session: reload and watch again. */
  onReconnect(fn: () => void): () => void;
  close(): void;
}

declare global {
  interface Window {
    ourciBench?: BenchBridge;
  }
}

export function ipcTransport(bridge: BenchBridge): BenchTransport {
  return {
    kind: 'ipc',
    async call(method, params) {
      const fn = bridge[benchFunctionName(method)] as unknown as (p: unknown) => ReturnType<BenchBridge['benchStatus']>;
      const reply = await fn(params);
      if (!reply.ok) throw new OurciError(reply.error.code, reply.error.message, reply.error.data);
      return reply.result as never;
    },
    onEvent: (fn) => bridge.onEvent(fn),
    onState: () => () => {},
    onReconnect: () => () => {},
    close: () => {},
  };
}

/** The headless bench's WebSocket (/rpc), the token as the `bearer.<token>` subprotocol. */
export function wsTransport(baseUrl: string, token: string, onAuthFailure: () => void): BenchTransport {
  const stateListeners = new Set<(s: ConnectionState, detail?: string) => void>();
  // A refused upgrade looks like any close: ask the HTTP API whether the token is the reason.
  const probe = async (): Promise<OurciError | undefined> =>
    (await tokenAccepted(baseUrl, token)) === false ? new UnauthorizedError('the bench refused the token') : undefined;
  const rpc = new RpcClient<BenchMethods>({
    connect: browserSocket(baseUrl, token, probe),
    minBackoffMs: 500,
    maxBackoffMs: 10_000,
    callTimeoutMs: 120_000,
    onState: (s, d) => {
      stateListeners.forEach((fn) => fn(s, d));
      if (s === 'closed' && d !== 'client closed') onAuthFailure();
    },
  });
  return {
    kind: 'ws',
    call: (method, params) => rpc.call(method, params as never) as never,
    onEvent: (fn) => rpc.on(BENCH_EVENT_METHOD, (p) => fn(p as BenchEvent)),
    onState: (fn) => {
      stateListeners.add(fn);
      fn(rpc.state);
      return () => stateListeners.delete(fn);
    },
    onReconnect: (fn) => rpc.onReconnect(fn),
    close: () => rpc.close(),
  };
}
