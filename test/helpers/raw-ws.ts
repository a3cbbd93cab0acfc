// A bare WebSocket to the master's /rpc for frame-level tests: send any text, read every
// frame back, see how the connection ends. No client library in between.
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';

export interface RawFrame {
  jsonrpc?: string;
  id?: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  tag?: string;
  method?: string;
  params?: unknown;
}

export interface RawSocket {
  ws: WebSocket;
  /** Every frame received so far, parsed. */
  received: RawFrame[];
  send(frame: string | object): void;
  /** Sends a frame with this id and resolves with the reply that carries it. */
  request(frame: { id: string | number; [k: string]: unknown }, timeoutMs?: number): Promise<RawFrame>;
  /** Resolves with the first received frame (from now on or already queued) matching `pred`. */
  waitFrame(pred: (f: RawFrame) => boolean, timeoutMs?: number): Promise<RawFrame>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export interface RawOptions {
  token?: string;
  protocols?: string[];
  headers?: Record<string, string>;
}

export function wsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/rpc`;
}

/** Opens a socket; rejects with `{status}` if the upgrade is refused. */
export function openRaw(baseUrl: string, o: RawOptions = {}): Promise<RawSocket> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const ws = new WebSocket(wsUrl(baseUrl), o.protocols ?? ['ourci'], { headers, perMessageDeflate: false, maxPayload: 64 << 20 });
  const received: RawFrame[] = [];
  let watchers: Array<() => void> = [];
  ws.on('message', (data) => {
    received.push(JSON.parse(data.toString()) as RawFrame);
    for (const w of watchers) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of watchers) w();
    });
  });
  onTestFinished(() => ws.terminate());
  const waitFrame = (pred: (f: RawFrame) => boolean, timeoutMs = 10_000): Promise<RawFrame> =>
    new Promise((resolve, reject) => {
      let seen = 0;
      const check = (): void => {
        for (; seen < received.length; seen++) {
          if (pred(received[seen]!)) {
            done();
            return resolve(received[seen]!);
          }
        }
        if (ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error('socket closed before the expected frame arrived'));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        watchers = watchers.filter((w) => w !== check);
      };
      watchers.push(check);
      check();
    });
  const sock: RawSocket = {
    ws,
    received,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    request: (frame, timeoutMs) => {
      const p = waitFrame((f) => f.id === frame.id && f.method === undefined, timeoutMs);
      sock.send(frame);
      return p;
    },
    waitFrame,
    closed,
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(sock));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`upgrade refused with HTTP ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}
