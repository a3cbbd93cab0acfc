// JSON-RPC over HTTP: `POST /rpc` takes one frame; `POST /rpc/<Method>` takes the params as
// the body and answers with the bare result (errors mapped to HTTP status), so a shell
// script needs only curl.
import type { ServerResponse } from 'node:http';
import { ErrorCode, httpStatusFor, OurciError, ParseError, toOurciError } from '../../src/shared/errors';
import { decodeValue, errorFrame } from '../../src/shared/rpc/frame';
import { readBody } from '../http/body';
import { sendJson, type HttpServer, type RouteContext } from '../http/http-server';
import type { Channel, Registry } from './registry';
import { MAX_FRAME_BYTES } from './ws-transport';

let nextId = 1;

/** Any valid token (or public read) gets in; the registry then checks each method's scopes.
 * Without one the answer is HTTP 401 before the body is read, as on every endpoint. */
const ANY_TOKEN = ['viewer', 'agent', 'task'] as const;

function httpChannel(ctx: RouteContext): { channel: Channel; signal: AbortSignal } {
  const abort = new AbortController();
  const closers: Array<() => void> = [];
  ctx.res.on('close', () => {
    if (!ctx.res.writableFinished) abort.abort();
    for (const fn of closers) fn();
  });
  return {
    signal: abort.signal,
    channel: {
      id: -nextId++,
      kind: 'http',
      remote: `${ctx.req.socket.remoteAddress ?? '?'}`,
      onClose: (fn) => closers.push(fn),
    },
  };
}

async function readFrameBody(ctx: RouteContext): Promise<unknown> {
  const buf = await readBody(ctx.req, MAX_FRAME_BYTES);
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new ParseError('body is not valid JSON');
  }
}

export function registerHttpRpc(http: HttpServer, registry: Registry): void {
  http.route({
    methods: ['GET'],
    path: /^\/rpc$/,
    scopes: ANY_TOKEN,
    handle: ({ res }) => {
      sendJson(res, 426, { error: { code: 400, message: 'GET /rpc is the WebSocket endpoint; POST a frame to /rpc instead' } });
    },
  });

  http.route({
    methods: ['POST'],
    path: /^\/rpc$/,
    scopes: ANY_TOKEN, // per-method scopes are checked by the registry
    handle: async (ctx) => {
      let body: unknown;
      try {
        body = await readFrameBody(ctx);
      } catch (err) {
        const e = toOurciError(err);
        return sendJson(ctx.res, e.code === ErrorCode.PayloadTooLarge ? 413 : 200, errorFrame(null, e));
      }
      const decoded = decodeValue(body === undefined ? null : body);
      if (decoded.kind === 'invalid') return sendJson(ctx.res, 200, errorFrame(decoded.id, decoded.error, decoded.tag));
      if (decoded.kind === 'response') return sendJson(ctx.res, 200, errorFrame(null, new OurciError(-32600, 'expected a request')));
      const { channel, signal } = httpChannel(ctx);
      const resp = await registry.handle(decoded.request, { principal: ctx.principal, signal, channel });
      if (!resp) {
        ctx.res.writeHead(204).end();
        return;
      }
      sendJson(ctx.res, 200, resp);
    },
  });

  http.route({
    methods: ['POST'],
    path: /^\/rpc\/([A-Za-z0-9_.]{1,128})$/,
    scopes: ANY_TOKEN,
    handle: async (ctx) => {
      try {
        const body = await readFrameBody(ctx);
        const { channel, signal } = httpChannel(ctx);
        const result = await registry.call(ctx.match[1]!, body ?? {}, { principal: ctx.principal, signal, channel });
        sendJson(ctx.res, 200, result ?? null);
      } catch (err) {
        sendErr(ctx.res, toOurciError(err));
      }
    },
  });
}

function sendErr(res: ServerResponse, err: OurciError): void {
  if (err.code === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  sendJson(res, httpStatusFor(err.code), { error: err.toJSON() });
}
