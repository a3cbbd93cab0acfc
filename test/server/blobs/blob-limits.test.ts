import { request, type ClientRequest } from 'node:http';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Master } from '../../../server/master';
import { clientOf, startMaster, waitFor } from '../../helpers/master';
import { blobFiles, raw } from './helpers';

const MiB = 1024 * 1024;

/** Streams `total` bytes in 64 KiB chunks (chunked encoding unless `declared`), stopping as
 * soon as the master answers, or destroying the socket after `abortAfter` bytes. */
function upload(
  m: Master,
  path: string,
  opts: { total: number; declared?: number; abortAfter?: number; onProgress?: (sent: number) => Promise<void> },
): Promise<{ status: number; body: string } | 'aborted'> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${m.tokens.admin}` };
    if (opts.declared !== undefined) headers['content-length'] = opts.declared;
    const req = request({ host: '127.0.0.1', port: m.port, method: 'PUT', path, headers, agent: false });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => {
      if (!answered && opts.abortAfter === undefined) reject(err);
    });
    const chunk = Buffer.alloc(64 * 1024, 7);
    void (async () => {
      let sent = 0;
      while (sent < opts.total && !answered && !req.destroyed) {
        if (opts.abortAfter !== undefined && sent >= opts.abortAfter) {
          await opts.onProgress?.(sent);
          req.destroy();
          resolve('aborted');
          return;
        }
        const ok = req.write(chunk);
        sent += chunk.length;
        if (!ok) await drained(req);
      }
      if (!req.destroyed) req.end();
    })();
  });
}

function drained(req: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      req.off('drain', done).off('close', done);
      resolve();
    };
    req.on('drain', done).on('close', done);
  });
}

async function expectNothingStored(m: Master, job: string): Promise<void> {
  // The reservation is released right after the temporary file's unlink resolves, a turn
  // after the file is gone: wait for both rather than race the master.
  await waitFor(() => blobFiles(m).length === 0 && m.blobs.usage().reservedBytes === 0, 15_000, 'no files and no reservation');
  const c = await clientOf(m);
  expect(await c.call('Blob.List', { job })).toEqual({ blobs: [], totalBytes: 0 });
  expect(m.blobs.usage()).toEqual({ storedBytes: 0, reservedBytes: 0, maxTotalBytes: m.blobs.config.maxTotalBytes });
}

describe('blob size limits', () => {
  it('refuses a declared Content-Length over the limit with 413 before reading it', async () => {
    const m = await startMaster({ blobs: { maxBlobBytes: 2 * MiB } });
    const r = await upload(m, '/blobs/j/big', { total: 3 * MiB, declared: 3 * MiB });
    expect(r).toMatchObject({ status: 413 });
    expect((r as { body: string }).body).toMatch(/exceeds the 2\.0 MiB limit per blob/);
    await expectNothingStored(m, 'j');
  });

  it('refuses a chunked body when it crosses the limit mid-stream, leaving nothing behind', async () => {
    const m = await startMaster({ blobs: { maxBlobBytes: 2 * MiB } });
    const r = await upload(m, '/blobs/j/big', { total: 64 * MiB });
    expect(r).toMatchObject({ status: 413 });
    await expectNothingStored(m, 'j');
    // The limit is inclusive, and the master still works afterwards.
    const exact = await raw(m, 'PUT', '/blobs/j/exact', { token: m.tokens.admin, body: Buffer.alloc(2 * MiB) });
    expect(exact.status).toBe(201);
  });

  for (const declared of [true, false]) {
    it(`an upload aborted midway (${declared ? 'Content-Length' : 'chunked'}) leaves nothing behind`, async () => {
      const m = await startMaster();
      const tmpDir = join(m.dataDir, 'blobs', '.tmp');
      const r = await upload(m, '/blobs/j/partial', {
        total: 32 * MiB,
        declared: declared ? 32 * MiB : undefined,
        abortAfter: 4 * MiB,
        // Abort only once the master is visibly writing the temporary file.
        onProgress: () =>
          waitFor(() => blobFiles(m).some((f) => f.startsWith('.tmp/') && statSync(join(tmpDir, f.slice(5))).size > 0), 15_000, 'upload in progress').then(() => undefined),
      });
      expect(r).toBe('aborted');
      await expectNothingStored(m, 'j');
      expect((await raw(m, 'GET', '/blobs/j/partial', { token: m.tokens.admin })).status).toBe(404);
    });
  }

  it('an aborted overwrite keeps the previous version', async () => {
    const m = await startMaster();
    await raw(m, 'PUT', '/blobs/j/fw', { token: m.tokens.admin, body: 'v1' });
    const r = await upload(m, '/blobs/j/fw', {
      total: 32 * MiB,
      abortAfter: 2 * MiB,
      onProgress: () => waitFor(() => blobFiles(m).some((f) => f.startsWith('.tmp/')), 15_000, 'upload in progress').then(() => undefined),
    });
    expect(r).toBe('aborted');
    await waitFor(
      () => !blobFiles(m).some((f) => f.startsWith('.tmp/')) && m.blobs.usage().reservedBytes === 0,
      15_000,
      'temporary file removed and its reservation released',
    );
    expect((await raw(m, 'GET', '/blobs/j/fw', { token: m.tokens.admin })).body.toString()).toBe('v1');
  });
});
