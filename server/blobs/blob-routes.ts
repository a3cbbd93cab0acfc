// `PUT|GET|HEAD|DELETE /blobs/<job>/<name>`, streamed both ways. Routes match the path as
// sent (not the normalized one), so `..`, `%2e%2e`, `%2f`, backslashes and NUL are refused
// with 400 before anything is touched.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { BadRequestError, CancelledError, NotFoundError, OurciError, PayloadTooLargeError } from '../../src/shared/errors';
import { decodeBlobPath, isValidJobId } from '../../src/shared/blobs/names';
import { sendJson, type HttpServer, type RouteContext } from '../http/http-server';
import { assertBlobAccess } from './blob-access';
import type { BlobService } from './blob-service';
import type { BlobRecord } from './blob-store';
import { parseRange } from './range';

const PATH = /^\/blobs(?:\/|$)/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function registerBlobRoutes(http: HttpServer, blobs: BlobService): void {
  http.route({ methods: ['GET', 'HEAD'], path: PATH, rawPath: true, scopes: ['viewer', 'task'], handle: (ctx) => get(ctx, blobs) });
  http.route({
    methods: ['PUT'],
    path: PATH,
    rawPath: true,
    manualContinue: true,
    scopes: ['admin', 'task'],
    handle: (ctx) => put(ctx, blobs),
  });
  http.route({ methods: ['DELETE'], path: PATH, rawPath: true, scopes: ['admin', 'task'], handle: (ctx) => del(ctx, blobs) });
}

/** Job and name from the request target exactly as sent. */
export function blobTarget(req: IncomingMessage): { job: string; name: string } {
  const raw = (req.url ?? '').split('?', 1)[0]!;
  const rest = raw.slice('/blobs/'.length);
  const slash = rest.indexOf('/');
  const job = slash < 0 ? rest : rest.slice(0, slash);
  if (!raw.startsWith('/blobs/') || !isValidJobId(job)) {
    throw new BadRequestError('bad job id in blob path: want /blobs/<job>/<name> with a job of 1-64 characters of A-Z a-z 0-9 _ -');
  }
  const decoded = decodeBlobPath(slash < 0 ? '' : rest.slice(slash + 1));
  if ('problem' in decoded) throw new BadRequestError(`bad blob name: it ${decoded.problem}`);
  return { job, name: decoded.name };
}

function blobHeaders(res: ServerResponse, b: BlobRecord): void {
  res.setHeader('ETag', `"${b.sha256}"`);
  res.setHeader('X-Content-SHA256', b.sha256);
  res.setHeader('Last-Modified', new Date(b.createdAt).toUTCString());
  // A name can be overwritten: caches must revalidate (cheap, by ETag).
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Accept-Ranges', 'bytes');
}

async function get({ req, res, principal }: RouteContext, blobs: BlobService): Promise<void> {
  const { job, name } = blobTarget(req);
  assertBlobAccess(principal, job, 'read');
  const reader = await blobs.open(job, name);
  if (!reader) throw new NotFoundError(`no blob ${name} in job ${job}`);
  const b = reader.record;
  const etag = `"${b.sha256}"`;
  blobHeaders(res, b);
  const inm = req.headers['if-none-match'];
  if (inm && (inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag))) {
    await reader.close();
    res.writeHead(304).end();
    return;
  }
  const ifRange = req.headers['if-range'];
  const range = ifRange === undefined || String(ifRange).trim() === etag ? parseRange(req.headers.range, b.size) : undefined;
  if (range === 'unsatisfiable') {
    await reader.close();
    res.setHeader('Content-Range', `bytes */${b.size}`);
    const body = JSON.stringify({ error: { code: 400, message: `range not satisfiable: ${req.headers.range} of a ${b.size}-byte blob` } });
    res.writeHead(416, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
    return;
  }
  const length = range ? range.end - range.start + 1 : b.size;
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Length', length);
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${b.size}`);
  res.writeHead(range ? 206 : 200);
  if (req.method === 'HEAD' || length === 0) {
    await reader.close();
    res.end();
    return;
  }
  try {
    await pipeline(reader.stream(range), res);
  } catch {
    // The client went away mid-download; the reader is closed with its stream.
  }
}

function declaredLength(req: IncomingMessage): number | undefined {
  const cl = req.headers['content-length'];
  if (cl === undefined) return undefined;
  const n = Number(cl);
  if (!/^\d+$/.test(cl) || !Number.isSafeInteger(n)) throw new BadRequestError(`bad Content-Length: ${cl}`);
  return n;
}

function expectedSha(req: IncomingMessage): string | undefined {
  const h = req.headers['x-content-sha256'];
  if (h === undefined) return undefined;
  const v = (Array.isArray(h) ? h[0]! : h).trim().toLowerCase();
  if (!SHA256_HEX.test(v)) throw new BadRequestError('X-Content-SHA256 must be 64 hex digits');
  return v;
}

async function put({ req, res, principal }: RouteContext, blobs: BlobService): Promise<void> {
  try {
    const { job, name } = blobTarget(req);
    assertBlobAccess(principal, job, 'write');
    const { record, replaced } = await blobs.put(job, name, bodyOf(req, res), {
      declaredSize: declaredLength(req),
      expectedSha256: expectedSha(req),
    });
    blobHeaders(res, record);
    res.setHeader('Location', `/blobs/${job}/${name}`);
    sendJson(res, replaced ? 200 : 201, {
      job,
      name,
      size: record.size,
      sha256: record.sha256,
      createdAt: new Date(record.createdAt).toISOString(),
      url: blobs.urlOf(job, name),
      replaced: Boolean(replaced),
    });
  } catch (err) {
    // Refused before the whole body arrived: say so and close, rather than read gigabytes
    // only to throw them away.
    if (!req.complete) res.setHeader('Connection', 'close');
    throw translate(err, req);
  }
}

/** The request body, pulled on demand: `100 Continue` goes out only when the store starts
 * reading (after every check that can refuse the upload), and stopping early does not
 * destroy the socket, so the refusal can still be answered. */
async function* bodyOf(req: IncomingMessage, res: ServerResponse): AsyncGenerator<Buffer> {
  if (/100-continue/i.test(req.headers.expect ?? '')) res.writeContinue();
  yield* req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
}

function translate(err: unknown, req: IncomingMessage): unknown {
  if (err instanceof OurciError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new PayloadTooLargeError("no space left on the master's disk for this blob");
  if (req.destroyed && !req.complete) return new CancelledError('upload aborted by the client');
  return err;
}

async function del({ req, res, principal }: RouteContext, blobs: BlobService): Promise<void> {
  const { job, name } = blobTarget(req);
  assertBlobAccess(principal, job, 'write');
  if (!(await blobs.delete(job, name))) throw new NotFoundError(`no blob ${name} in job ${job}`);
  res.writeHead(204).end();
}
