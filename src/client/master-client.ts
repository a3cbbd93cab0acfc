// Connects the transport-agnostic RpcClient to the master's WebSocket with the `ws` package.
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { ForbiddenError, UnauthorizedError } from '../shared/errors';
import type { MethodName, Params, Result } from '../shared/rpc/catalog';
import { RpcClient, type RpcClientOptions } from '../shared/rpc/rpc-client';

export type MasterApi = { [K in MethodName]: { params: Params<K>; result: Result<K> } };
export type MasterClient = RpcClient<MasterApi>;

export interface ConnectOptions extends Omit<RpcClientOptions, 'connect'> {
  /** Client name sent as the `User-Agent`, shown in Agent.List. */
  name?: string;
}

const FRAMES_PER_WRITE = 4;

export function wsUrlOf(baseUrl: string): string {
  const u = new URL(baseUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/$/, '')}/rpc`;
  return u.toString();
}

export function connectMaster(baseUrl: string, token: string, opts: ConnectOptions = {}): MasterClient {
  const url = wsUrlOf(baseUrl);
  return new RpcClient<MasterApi>({
    ...opts,
    connect: (events) => {
      const ws = new WebSocket(url, ['ourci'], {
        headers: { authorization: `Bearer ${token}`, 'user-agent': opts.name ?? 'ourci-client' },
        maxPayload: 4 * 1024 * 1024,
        perMessageDeflate: false,
        handshakeTimeout: 10_000,
      });
      // Frames sent in the same tick (many pullers sharing this connection, woken by one batch
      // of replies) leave together: the socket stays corked until the end of the tick, or
      // until FRAMES_PER_WRITE are queued. Small batches let the master start on the first
      // calls while this process still produces the rest; one write per tick would make the
      // two sides take turns (16 pullers on one connection: 31k → 39-41k msg/s on 2 cores).
      let socket: Duplex | null = null;
      let corked = false;
      let queued = 0;
      const uncork = (): void => {
        corked = false;
        queued = 0;
        socket?.uncork();
      };
      ws.on('upgrade', (res) => {
        socket = res.socket;
      });
      ws.on('open', () => events.open());
      ws.on('message', (data) => events.message(data.toString()));
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        const fatal =
          status === 401
            ? new UnauthorizedError('the master refused the token (401)')
            : status === 403
              ? new ForbiddenError('the master refused the token (403)')
              : undefined;
        events.close(`HTTP ${status}`, fatal);
        ws.terminate();
      });
      ws.on('error', (err) => events.close(err.message));
      ws.on('close', (code) => events.close(`closed (${code})`));
      return {
        send: (text) => {
          if (socket && !corked) {
            corked = true;
            socket.cork();
            process.nextTick(uncork);
          }
          ws.send(text);
          if (corked && ++queued >= FRAMES_PER_WRITE) {
            socket?.uncork();
            queued = 0;
            socket?.cork();
          }
        },
        close: () => ws.close(),
      };
    },
  });
}
