// The bench API over HTTP and WebSocket (JSON-RPC frames, DESIGN.md §3), in two roles:
//  - "ui": the headless bench's operator endpoint: the built renderer at /, the API at
//    GET /rpc (WebSocket; token as `Authorization: Bearer` or the `bearer.<token>` subprotocol,
//    which is what browsers can send) and POST /rpc/<Method>, a one-time login at POST /auth/login;
//  - "task": the loopback route of OURCI_BENCH_URL, /task/<token>/rpc, for `ourci flash` and
//    `ourci console` inside a bench task; the token in the path is the task's grant.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { BENCH_EVENT_METHOD } from '../../shared/bench/method-names';
import { BadRequestError, ConflictError, ErrorCode, httpStatusFor, OurciError, PayloadTooLargeError, toOurciError, UnauthorizedError } from '../../shared/errors';
import { decodeFrame, errorFrame, resultFrame } from '../../shared/rpc/frame';
import type { BenchService } from '../bench-service';
import { openSession, type BenchSession, type Caller } from './bench-api';
import type { OperatorAuth } from './operator-auth';
import { serveStatic } from './static-files';

export interface BenchServerOptions {
  role: 'ui' | 'task';
  service: BenchService;
  host: string;
  port: number;
  /** ui role: who may operate, and the built renderer. */
  auth?: OperatorAuth;
  staticDir?: string;
  log?: (line: string) => void;
}

/** Firmware travels base64 in one frame (Flash.Start): allow up to 48 MiB. */
const MAX_FRAME = 48 << 20;
/** A client this far behind (a stalled tab) is dropped; it reconnects and reloads the state. */
const MAX_BUFFERED = 16 << 20;
const PING_MS = 20_000;

export class BenchServer {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<Socket>();
  private pingTimer: NodeJS.Timeout | undefined;
  url = '';

  constructor(private readonly opts: BenchServerOptions) {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has('ourci') ? 'ourci' : false),
    });
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as Socket, head));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (err: NodeJS.ErrnoException) => {
        const where = `${this.opts.host}:${this.opts.port}`;
        if (err.code === 'EADDRINUSE') reject(new ConflictError(`${where} is already in use (another bench?): choose another address with --ui HOST:PORT`));
        else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new BadRequestError(`cannot listen on ${where}: no such local address`));
        else reject(err);
      });
      this.server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    this.url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${a.port}`;
    this.pingTimer = setInterval(() => {
      for (const ws of this.wss.clients) ws.ping();
    }, PING_MS);
    this.pingTimer.unref();
    return this.url;
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  // ---- who is calling ----------------------------------------------------------------------

  /** The caller of a request, or undefined when its credentials are missing or wrong. */
  private callerOf(req: IncomingMessage, pathname: string): { caller: Caller; rest: string } | undefined {
    if (this.opts.role === 'task') {
      const m = /^\/task\/([A-Za-z0-9_-]{10,100})(\/.*)$/.exec(pathname);
      const grant = m ? this.opts.service.grants.lookup(m[1]!) : undefined;
      return grant ? { caller: { kind: 'task', token: m![1]!, board: grant.board, task: grant.task }, rest: m![2]! } : undefined;
    }
    const header = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const proto = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith('bearer.'))
      ?.slice('bearer.'.length);
    return this.opts.auth?.check(header ?? proto) ? { caller: { kind: 'operator' }, rest: pathname } : undefined;
  }

  /** Pages of other sites may not drive the bench through the operator's browser. */
  private sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  // ---- HTTP --------------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://bench');
    const path = url.pathname;
    try {
      if (req.method === 'POST' && path === '/auth/login' && this.opts.role === 'ui') return await this.login(req, res);
      if (req.method === 'POST' && /\/rpc\/[A-Za-z.]+$/.test(path)) {
        if (!this.sameOrigin(req)) return sendJson(res, 403, { code: 403, message: 'cross-origin request refused' });
        const who = this.callerOf(req, path);
        if (!who) throw new UnauthorizedError(this.opts.role === 'task' ? 'unknown or expired bench task token' : 'missing or wrong bench token');
        const method = who.rest.slice('/rpc/'.length);
        const params = await readJson(req);
        const session = openSession(this.opts.service, who.caller, () => {});
        try {
          return sendJson(res, 200, (await session.call(method, params)) ?? {});
        } finally {
          session.close();
        }
      }
      if ((req.method === 'GET' || req.method === 'HEAD') && this.opts.role === 'ui') return await serveStatic(this.opts.staticDir, req, res, path);
      sendJson(res, 404, { code: 404, message: `not found: ${req.method} ${path}` });
    } catch (err) {
      const e = publicError(err, this.opts.log);
      sendJson(res, httpStatusFor(e.code), e.toJSON());
    }
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (await readJson(req)) as { code?: unknown };
    const token = typeof body.code === 'string' ? this.opts.auth?.redeem(body.code) : undefined;
    if (!token) return sendJson(res, 401, { code: 401, message: 'this login link was used already or has expired; copy the token from the bench instead' });
    sendJson(res, 200, { token });
  }

  // ---- WebSocket ---------------------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://bench').pathname;
    const who = this.callerOf(req, path);
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!this.sameOrigin(req)) return refuse(403, 'Forbidden');
    if (!who) return refuse(401, 'Unauthorized');
    if (who.rest !== '/rpc') return refuse(404, 'Not Found');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, who.caller));
  }

  private onConnection(ws: WebSocket, caller: Caller): void {
    const session: BenchSession = openSession(this.opts.service, caller, (event) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED) return ws.terminate();
      ws.send(JSON.stringify({ jsonrpc: '2.0', method: BENCH_EVENT_METHOD, params: event }));
    });
    ws.on('close', () => session.close());
    ws.on('error', () => session.close());
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.send(JSON.stringify(errorFrame(null, new OurciError(ErrorCode.InvalidRequest, 'send text frames'))));
      void this.onFrame(ws, session, data.toString());
    });
  }

  private async onFrame(ws: WebSocket, session: BenchSession, text: string): Promise<void> {
    const d = decodeFrame(text);
    if (d.kind === 'response') return;
    if (d.kind === 'invalid') return void ws.send(JSON.stringify(errorFrame(d.id, d.error, d.tag)));
    const { id, method, params, tag } = d.request;
    let reply;
    try {
      reply = resultFrame(id ?? null, await session.call(method, params), tag);
    } catch (err) {
      reply = errorFrame(id ?? null, publicError(err, this.opts.log), tag);
    }
    if (id !== undefined && ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
  }
}

function publicError(err: unknown, log?: (line: string) => void): OurciError {
  if (!(err instanceof OurciError)) log?.(`bench api: ${(err as Error)?.stack ?? String(err)}`);
  return toOurciError(err);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_FRAME) throw new PayloadTooLargeError('request body over 48 MiB');
    chunks.push(c as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new OurciError(ErrorCode.ParseError, 'body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
