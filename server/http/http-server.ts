// Plain node:http with a small route table, so blobs and logs can stream both ways.
// Features register routes; auth is decided here once: bearer token, or the route opts out.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { OurciError, httpStatusFor, toOurciError, UnauthorizedError, ForbiddenError } from '../../src/shared/errors';
import type { Scope } from '../../src/shared/rpc/contract';
import { ANONYMOUS, allows, PUBLIC_READER, type Principal } from '../auth/principal';
import { bearerFrom, type TokenStore } from '../auth/token-store';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  match: RegExpExecArray;
  principal: Principal;
}

export interface Route {
  methods: readonly string[];
  path: RegExp;
  /** 'none': the route authenticates by itself (or not at all). Otherwise any of these scopes. */
  scopes: readonly Scope[] | 'none';
  /** Match `path` against the path exactly as sent: no dot-segment removal, no percent-decoding,
   * no backslash-to-slash folding. For routes that validate names themselves (blobs), so that
   * `/blobs/j/a/../b` is refused rather than silently read as `/blobs/j/b`. */
  rawPath?: boolean;
  /** The handler answers `Expect: 100-continue` itself (`res.writeContinue()` when it starts
   * reading), so a body it refuses (auth, name, size) is never sent. Others get it once
   * authorized. */
  manualContinue?: boolean;
  handle(ctx: RouteContext): Promise<void> | void;
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, principal: Principal) => void;

export interface HttpServerOptions {
  tokens: TokenStore;
  publicRead: boolean;
  onError?: (err: unknown, req: IncomingMessage) => void;
}

export class HttpServer {
  readonly server: Server;
  private readonly routes: Route[] = [];
  private readonly upgrades = new Map<string, UpgradeHandler>();

  constructor(private readonly opts: HttpServerOptions) {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    // Without this listener Node answers every `Expect: 100-continue` before routing.
    this.server.on('checkContinue', (req, res) => void this.dispatch(req, res));
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.requestTimeout = 0; // long polls and large blob uploads
  }

  route(r: Route): void {
    this.routes.push(r);
  }

  onUpgrade(pathname: string, h: UpgradeHandler): void {
    this.upgrades.set(pathname, h);
  }

  /** Resolves with the bound port once the server accepts connections. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  authenticate(req: IncomingMessage): Principal {
    const token = bearerFrom(req.headers);
    if (token === undefined) return this.opts.publicRead ? PUBLIC_READER : ANONYMOUS;
    return this.opts.tokens.authenticate(token) ?? ANONYMOUS;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return sendError(res, new OurciError(400, 'bad request target'));
    }
    const method = req.method ?? 'GET';
    const raw = req.url?.startsWith('/') ? req.url.split('?', 1)[0]! : url.pathname;
    const pathOf = (r: Route): string => (r.rawPath ? raw : url.pathname);
    let pathMatched = false;
    for (const r of this.routes) {
      const match = r.path.exec(pathOf(r));
      if (!match) continue;
      pathMatched = true;
      if (!r.methods.includes(method)) continue;
      try {
        const principal = this.authenticate(req);
        if (r.scopes !== 'none' && !allows(principal, r.scopes)) {
          throw principal.kind === 'anonymous' ? new UnauthorizedError() : new ForbiddenError();
        }
        if (!r.manualContinue && /100-continue/i.test(req.headers.expect ?? '')) res.writeContinue();
        await r.handle({ req, res, url, match, principal });
      } catch (err) {
        if (!(err instanceof OurciError)) this.opts.onError?.(err, req);
        if (!res.headersSent) sendError(res, toOurciError(err));
        else res.destroy();
      }
      return;
    }
    if (pathMatched) {
      res.setHeader('Allow', this.routes.filter((r) => r.path.test(pathOf(r))).flatMap((r) => r.methods).join(', '));
      return sendError(res, new OurciError(405 as number, `method ${method} not allowed here`));
    }
    sendError(res, new OurciError(404, `no such endpoint: ${url.pathname}`));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const h = this.upgrades.get(pathname);
    if (!h) return rejectUpgrade(socket, 404, 'Not Found');
    const principal = this.authenticate(req);
    if (principal.scopes.length === 0) return rejectUpgrade(socket, 401, 'Unauthorized');
    h(req, socket, head, principal);
  }
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: OurciError): void {
  const status = err.code === 405 ? 405 : httpStatusFor(err.code);
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  sendJson(res, status, { error: err.toJSON() });
}
