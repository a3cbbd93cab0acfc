// JSON-RPC over WebSocket `GET /rpc`: one frame per text message, server pings every 20 s
// and drops peers that miss a pong. Frames over 1 MiB get a 413 reply; the socket's hard
// cap (4 MiB) protects memory from anything larger.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { InvalidRequestError, PayloadTooLargeError } from '../../src/shared/errors';
import { decodeFrame, errorFrame } from '../../src/shared/rpc/frame';
import type { Principal } from '../auth/principal';
import type { Channel, Registry } from './registry';
import { UncorkQueue } from './uncork-queue';

export const MAX_FRAME_BYTES = 1024 * 1024;
const HARD_CAP_BYTES = 4 * MAX_FRAME_BYTES;

export interface WsTransportOptions {
  pingIntervalMs?: number;
  onConnect?: (channel: Channel, principal: Principal) => void;
}

let nextChannelId = 1;

export class WsTransport {
  readonly wss: WebSocketServer;
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly uncorks = new UncorkQueue();
  private readonly pinger: NodeJS.Timeout;
  connections = 0;

  constructor(
    private readonly registry: Registry,
    private readonly opts: WsTransportOptions = {},
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: HARD_CAP_BYTES,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has('ourci') ? 'ourci' : false),
    });
    this.pinger = setInterval(() => this.pingAll(), opts.pingIntervalMs ?? 20_000);
    this.pinger.unref();
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, principal: Principal): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, req, principal));
  }

  close(): void {
    clearInterval(this.pinger);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private attach(ws: WebSocket, req: IncomingMessage, principal: Principal): void {
    this.connections++;
    this.alive.set(ws, true);
    const abort = new AbortController();
    const closers: Array<() => void> = [];
    const channel: Channel = {
      id: nextChannelId++,
      kind: 'ws',
      remote: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`,
      notify: (method, params) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
      },
      onClose: (fn) => closers.push(fn),
    };
    const ctx = { principal, signal: abort.signal, channel };
    // Replies released together (one group commit answers every call of a loop turn) leave in
    // one write per connection: the socket stays corked until the end of the current tick.
    // A client running many pullers on one connection then costs one syscall and one wake-up
    // per batch on each side instead of one per message. Connections that got a delivery are
    // written first: a waiting puller is what a publish's latency is measured to.
    const socket = req.socket;
    let corked = false;
    const uncork = (): void => {
      corked = false;
      socket.uncork();
    };
    const send = (frame: unknown, delivers = false): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (!corked) {
        corked = true;
        socket.cork();
        this.uncorks.add(uncork, delivers);
      }
      ws.send(JSON.stringify(frame));
    };
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return send(errorFrame(null, new InvalidRequestError('binary frames are not supported')));
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
      if (size > MAX_FRAME_BYTES) {
        return send(errorFrame(null, new PayloadTooLargeError(`frame of ${size} bytes exceeds ${MAX_FRAME_BYTES}`)));
      }
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString();
      const decoded = decodeFrame(text);
      if (decoded.kind === 'invalid') return send(errorFrame(decoded.id, decoded.error, decoded.tag));
      if (decoded.kind === 'response') return; // we send no requests to clients
      const delivers = this.registry.spec(decoded.request.method)?.delivers === true;
      void this.registry.handle(decoded.request, ctx).then((resp) => {
        if (resp) send(resp, delivers);
      });
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      this.connections--;
      abort.abort();
      for (const fn of closers) {
        try {
          fn();
        } catch {
          // a closer must not keep the others from running
        }
      }
    });
    this.opts.onConnect?.(channel, principal);
  }

  private pingAll(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }
}
