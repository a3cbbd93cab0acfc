// A Node client of the bench API (the same RpcClient as the master's, over `ws`): what
// `ourci flash` and `ourci console` use inside a bench task, where OURCI_BENCH_URL is
// `http://127.0.0.1:PORT/task/<token>` and the token in the path is the credential.
import WebSocket from 'ws';
import type { BenchMethods } from '../../shared/bench/api';
import { BENCH_EVENT_METHOD } from '../../shared/bench/method-names';
import type { BenchEvent } from '../../shared/bench/model';
import { BadRequestError, UnauthorizedError, UnavailableError } from '../../shared/errors';
import { RpcClient } from '../../shared/rpc/rpc-client';

export interface BenchClient {
  rpc: RpcClient<BenchMethods>;
  onEvent(fn: (e: BenchEvent) => void): () => void;
  close(): void;
}

export function benchWsUrl(baseUrl: string): string {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new BadRequestError(`OURCI_BENCH_URL is not a URL: ${baseUrl}`);
  }
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/$/, '')}/rpc`;
  return u.toString();
}

/** Connects and waits until the bench answered (or refused the token). */
export async function connectBench(baseUrl: string, opts: { token?: string; timeoutMs?: number } = {}): Promise<BenchClient> {
  const url = benchWsUrl(baseUrl);
  const rpc = new RpcClient<BenchMethods>({
    minBackoffMs: 200,
    maxBackoffMs: 2000,
    connect: (events) => {
      const ws = new WebSocket(url, ['ourci'], {
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        maxPayload: 48 << 20,
        perMessageDeflate: false,
        handshakeTimeout: 10_000,
      });
      ws.on('open', () => events.open());
      ws.on('message', (data) => events.message(data.toString()));
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        const fatal = status === 401 || status === 403 ? new UnauthorizedError(`the bench refused this task's token (HTTP ${status}): has the task ended?`) : undefined;
        events.close(`HTTP ${status}`, fatal);
        ws.terminate();
      });
      ws.on('error', (err) => events.close(err.message));
      ws.on('close', (code) => events.close(`closed (${code})`));
      return { send: (text) => ws.send(text), close: () => ws.close() };
    },
  });
  try {
    // The bench is the task's own parent on loopback: it answers at once or not at all.
    await rpc.ready(opts.timeoutMs ?? 5000);
  } catch (err) {
    rpc.close();
    if (err instanceof UnauthorizedError) throw err;
    throw new UnavailableError(`cannot reach the bench at ${baseUrl.replace(/\/task\/[^/]+/, '/task/…')} (OURCI_BENCH_URL): ${(err as Error).message}`);
  }
  return {
    rpc,
    onEvent: (fn) => rpc.on(BENCH_EVENT_METHOD, (p) => fn(p as BenchEvent)),
    close: () => rpc.close(),
  };
}
