// Streams blobs to and from the master over HTTP (`/blobs/<job>/<name>`), for the CLI, agents
// and the bench. Both directions are streamed and hashed on the fly; nothing is buffered whole.
import { createHash } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blobPath } from '../shared/blobs/names';
import { OurciError, UnavailableError } from '../shared/errors';

export interface BlobTarget {
  /** The master's base URL. */
  url: string;
  token: string;
}

export type ProgressFn = (done: number, total: number | undefined) => void;

export interface PutBlobResult {
  job: string;
  name: string;
  size: number;
  sha256: string;
  createdAt: string;
  url: string;
  replaced: boolean;
}

export interface GetBlobResult {
  size: number;
  sha256: string;
}

function send(t: BlobTarget, method: string, job: string, name: string, headers: Record<string, string | number> = {}): ClientRequest {
  const base = new URL(t.url);
  const opts: RequestOptions = {
    method,
    host: base.hostname.replace(/^\[|\]$/g, ''),
    port: base.port || undefined,
    path: `${base.pathname.replace(/\/+$/, '')}${blobPath(job, name)}`,
    headers: { authorization: `Bearer ${t.token}`, 'user-agent': 'ourci-cli', ...headers },
  };
  return (base.protocol === 'https:' ? httpsRequest : httpRequest)(opts);
}

function unreachable(t: BlobTarget, err: unknown): OurciError {
  return new UnavailableError(`cannot reach the master at ${t.url}: ${(err as Error).message}`);
}

/** Turns an error response into an OurciError carrying the master's message. */
async function failure(res: IncomingMessage): Promise<OurciError> {
  let text = '';
  for await (const c of res) if (text.length < 64 * 1024) text += (c as Buffer).toString('utf8');
  try {
    const e = (JSON.parse(text) as { error?: { code?: number; message?: string } }).error;
    if (e?.message) return new OurciError(e.code ?? res.statusCode ?? 500, e.message);
  } catch {
    // not our JSON: a proxy's page, say
  }
  return new OurciError(res.statusCode ?? 500, `HTTP ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`);
}

function counter(onProgress: ProgressFn | undefined, total: number | undefined, hash: ReturnType<typeof createHash>): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      hash.update(chunk);
      onProgress?.(done, total);
      cb(null, chunk);
    },
  });
}

/**
 * Uploads `body` (with its size when known, so the master can refuse it up front) and checks
 * the SHA-256 the master computed against the one computed here while sending.
 */
export async function putBlob(
  t: BlobTarget,
  job: string,
  name: string,
  body: Readable,
  opts: { size?: number; onProgress?: ProgressFn } = {},
): Promise<PutBlobResult> {
  const hash = createHash('sha256');
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', expect: '100-continue' };
  if (opts.size !== undefined) headers['content-length'] = opts.size;
  const req = send(t, 'PUT', job, name, headers);
  // The body goes after `100 Continue`, so a refusal (auth, name, size) costs no upload; as
  // curl does, it goes anyway after a second without an answer (a proxy may eat the header).
  let timer: NodeJS.Timeout | undefined;
  const sending = new Promise<void>((resolve, reject) => {
    let started = false;
    const start = (): void => {
      clearTimeout(timer);
      if (started || req.destroyed) return;
      started = true;
      pipeline(body, counter(opts.onProgress, opts.size, hash), req).then(resolve, reject);
    };
    req.once('continue', start);
    timer = setTimeout(start, 1000);
  });
  sending.catch(() => undefined);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', (err) => reject(unreachable(t, err)));
  }).finally(() => clearTimeout(timer));
  if (res.statusCode !== 200 && res.statusCode !== 201) {
    const err = await failure(res);
    body.destroy();
    req.destroy();
    throw err;
  }
  await sending;
  let text = '';
  for await (const c of res) text += (c as Buffer).toString('utf8');
  const result = JSON.parse(text) as PutBlobResult;
  const mine = hash.digest('hex');
  if (result.sha256 !== mine) {
    throw new OurciError(500, `SHA-256 mismatch after upload: sent ${mine}, the master stored ${result.sha256}`);
  }
  return result;
}

/** Downloads into `sink`, verifying the SHA-256 against the master's `X-Content-SHA256`. */
export async function getBlob(
  t: BlobTarget,
  job: string,
  name: string,
  sink: Writable,
  opts: { onProgress?: ProgressFn } = {},
): Promise<GetBlobResult> {
  const req = send(t, 'GET', job, name);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', (err) => reject(unreachable(t, err)));
    req.end();
  });
  if (res.statusCode !== 200) throw await failure(res);
  const total = Number(res.headers['content-length']);
  const expected = res.headers['x-content-sha256'];
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    res,
    counter((done, all) => {
      size = done;
      opts.onProgress?.(done, all);
    }, Number.isFinite(total) ? total : undefined, hash),
    sink,
  );
  if (!res.complete) throw new UnavailableError('the download was cut off; try again');
  const sha256 = hash.digest('hex');
  if (typeof expected === 'string' && expected !== sha256) {
    throw new OurciError(500, `SHA-256 mismatch: the master says ${expected}, received ${sha256}`);
  }
  return { size, sha256 };
}

/** Deletes a blob; false if there was none. */
export async function deleteBlob(t: BlobTarget, job: string, name: string): Promise<boolean> {
  const req = send(t, 'DELETE', job, name);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', (err) => reject(unreachable(t, err)));
    req.end();
  });
  if (res.statusCode === 404) {
    res.resume();
    return false;
  }
  if (res.statusCode !== 204 && res.statusCode !== 200) throw await failure(res);
  res.resume();
  return true;
}
