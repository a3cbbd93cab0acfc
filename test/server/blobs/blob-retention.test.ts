import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Master } from '../../../server/master';
import { clientOf, startMaster, waitFor } from '../../helpers/master';
import { blobFiles, raw } from './helpers';

const KiB = 1024;
const DAY = 86_400_000;

/** A job lookup the test controls: job → finishedAt (absent: running or unknown). */
function jobsOf(m: Master, finished: Record<string, number>): void {
  m.blobs.setJobLookup({ finishedAt: (job) => finished[job] });
}

async function names(m: Master, job: string): Promise<string[]> {
  const c = await clientOf(m);
  return (await c.call('Blob.List', { job })).blobs.map((b) => b.name);
}

const put = (m: Master, path: string, bytes: number, chunked = false): Promise<{ status: number; message?: string }> =>
  raw(m, 'PUT', path, {
    token: m.tokens.admin,
    body: Buffer.alloc(bytes, 1),
    headers: chunked ? { 'transfer-encoding': 'chunked' } : {},
  }).then((r) => ({ status: r.status, message: r.status >= 400 ? r.json().error!.message : undefined }));

describe('blob retention', () => {
  it('deletes blobs of jobs finished more than N days ago, keeps running and unknown jobs', async () => {
    const m = await startMaster({ blobs: { retentionDays: 14 } });
    const now = Date.now();
    jobsOf(m, { old: now - 15 * DAY, recent: now - 13 * DAY });
    for (const job of ['old', 'recent', 'running']) {
      await put(m, `/blobs/${job}/a`, 10);
      await put(m, `/blobs/${job}/dir/b`, 20);
    }
    expect(await m.blobs.sweep()).toEqual({ deletedBlobs: 2, freedBytes: 30 });
    expect(await names(m, 'old')).toEqual([]);
    expect(await names(m, 'recent')).toEqual(['a', 'dir/b']);
    expect(await names(m, 'running')).toEqual(['a', 'dir/b']);
    expect(blobFiles(m).filter((f) => f.startsWith('old'))).toEqual([]);
    expect(m.blobs.usage().storedBytes).toBe(60);
    // Two weeks on, `recent` goes too.
    expect(await m.blobs.sweep(now + 2 * DAY)).toEqual({ deletedBlobs: 2, freedBytes: 30 });
    expect(await names(m, 'recent')).toEqual([]);
  });

  it('sweeps on a timer by itself', async () => {
    const m = await startMaster({ blobs: { sweepIntervalMs: 20, retentionDays: 1 } });
    jobsOf(m, { done: Date.now() - 2 * DAY });
    await put(m, '/blobs/done/x', 5);
    await put(m, '/blobs/live/x', 5);
    await waitFor(async () => (await names(m, 'done')).length === 0, 15_000, 'the timer to expire done/x');
    expect(await names(m, 'live')).toEqual(['x']);
  });

  it('evicts blobs of the oldest finished jobs to make room, and refuses when only running jobs remain', async () => {
    const m = await startMaster({ blobs: { maxTotalBytes: 1000 * KiB } });
    jobsOf(m, { a: 1000, b: 2000 });
    expect((await put(m, '/blobs/a/1', 300 * KiB)).status).toBe(201);
    expect((await put(m, '/blobs/b/1', 300 * KiB)).status).toBe(201);
    expect((await put(m, '/blobs/c/1', 300 * KiB)).status).toBe(201);
    // Declared length: room is made before the body is read; a (finished first) goes.
    expect((await put(m, '/blobs/c/2', 300 * KiB)).status).toBe(201);
    expect(await names(m, 'a')).toEqual([]);
    expect(await names(m, 'b')).toEqual(['1']);
    // Chunked: room is made as the bytes arrive; b goes.
    expect((await put(m, '/blobs/c/3', 300 * KiB, true)).status).toBe(201);
    expect(await names(m, 'b')).toEqual([]);
    // Only the running job c is left: nothing can be evicted, so the upload is refused.
    for (const chunked of [false, true]) {
      const r = await put(m, '/blobs/c/4', 300 * KiB, chunked);
      expect(r.status).toBe(413);
      expect(r.message).toMatch(/blob store is full: .* only blobs of finished jobs can be evicted/);
    }
    expect(await names(m, 'c')).toEqual(['1', '2', '3']);
    expect(blobFiles(m).filter((f) => f.startsWith('.tmp/'))).toEqual([]);
    expect(m.blobs.usage()).toMatchObject({ storedBytes: 900 * KiB, reservedBytes: 0 });
  });

  it('concurrent uploads reserve their declared length, so together they cannot overshoot the cap', async () => {
    const m = await startMaster({ blobs: { maxTotalBytes: 1000 * KiB } });
    // Upload A declares 600 KiB and sends its first half, then waits.
    const first = Buffer.alloc(300 * KiB, 2);
    let finishA!: () => void;
    const a = new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: m.port, method: 'PUT', path: '/blobs/j/a', agent: false,
          headers: { authorization: `Bearer ${m.tokens.admin}`, 'content-length': 600 * KiB } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.write(first);
      finishA = () => req.end(first);
    });
    await waitFor(() => m.blobs.usage().reservedBytes === 600 * KiB, 15_000, 'A to reserve its length');
    const b = await put(m, '/blobs/j/b', 600 * KiB);
    expect(b.status).toBe(413);
    finishA();
    expect(await a).toBe(201);
    expect(await names(m, 'j')).toEqual(['a']);
    expect(m.blobs.usage()).toMatchObject({ storedBytes: 600 * KiB, reservedBytes: 0 });
  });
});
