import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientOf, startMaster } from '../../helpers/master';
import { blobFiles, blobUrl, raw } from './helpers';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('blobs over HTTP', () => {
  it('round-trips small and multi-MiB blobs with their SHA-256', async () => {
    const m = await startMaster();
    const admin = { authorization: `Bearer ${m.tokens.admin}` };
    for (const [name, body] of [
      ['hello.txt', Buffer.from('hello\n')],
      ['empty', Buffer.alloc(0)],
      ['fw/esp8266/firmware.bin', randomBytes(7 * 1024 * 1024 + 13)],
    ] as const) {
      const put = await fetch(blobUrl(m, 'job1', name), { method: 'PUT', headers: admin, body });
      expect(put.status).toBe(201);
      const meta = (await put.json()) as Record<string, unknown>;
      expect(meta).toMatchObject({ job: 'job1', name, size: body.length, sha256: sha(body), replaced: false });
      expect(meta.url).toBe(blobUrl(m, 'job1', name));
      expect(put.headers.get('x-content-sha256')).toBe(sha(body));

      const get = await fetch(blobUrl(m, 'job1', name), { headers: admin });
      expect(get.status).toBe(200);
      const got = Buffer.from(await get.arrayBuffer());
      expect(got.equals(body)).toBe(true);
      expect(get.headers.get('x-content-sha256')).toBe(sha(body));
      expect(get.headers.get('etag')).toBe(`"${sha(body)}"`);
      expect(get.headers.get('content-length')).toBe(String(body.length));
      expect(get.headers.get('accept-ranges')).toBe('bytes');
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const m = await startMaster();
    const body = randomBytes(1000);
    await raw(m, 'PUT', '/blobs/j/a.bin', { token: m.tokens.admin, body });
    const r = await raw(m, 'HEAD', '/blobs/j/a.bin', { token: m.tokens.admin });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(r.headers['content-length']).toBe('1000');
    expect(r.headers['x-content-sha256']).toBe(sha(body));
    expect(r.headers['etag']).toBe(`"${sha(body)}"`);
    expect((await raw(m, 'HEAD', '/blobs/j/missing', { token: m.tokens.admin })).status).toBe(404);
  });

  it('serves single byte ranges, 416 when unsatisfiable, and ignores what it cannot parse', async () => {
    const m = await startMaster();
    const body = randomBytes(1000);
    await raw(m, 'PUT', '/blobs/j/r.bin', { token: m.tokens.admin, body });
    const cases: Array<[string, number, [number, number] | null]> = [
      ['bytes=0-99', 206, [0, 99]],
      ['bytes=990-', 206, [990, 999]],
      ['bytes=-10', 206, [990, 999]],
      ['bytes=500-5000', 206, [500, 999]],
      ['bytes=999-999', 206, [999, 999]],
      ['bytes=-5000', 206, [0, 999]],
      ['bytes=1000-', 416, null],
      ['bytes=5000-6000', 416, null],
      ['bytes=-0', 416, null],
      ['bytes=0-1,5-6', 200, [0, 999]],
      ['bytes=9-3', 200, [0, 999]],
      ['items=0-1', 200, [0, 999]],
    ];
    for (const [range, status, span] of cases) {
      const r = await raw(m, 'GET', '/blobs/j/r.bin', { token: m.tokens.admin, headers: { range } });
      expect([range, r.status]).toEqual([range, status]);
      if (status === 416) {
        expect(r.headers['content-range']).toBe('bytes */1000');
        continue;
      }
      const [a, b] = span!;
      expect(r.body.equals(body.subarray(a, b + 1))).toBe(true);
      expect(r.headers['content-length']).toBe(String(b - a + 1));
      expect(r.headers['x-content-sha256']).toBe(sha(body)); // of the whole blob
      if (status === 206) expect(r.headers['content-range']).toBe(`bytes ${a}-${b}/1000`);
    }
    // If-Range: a stale ETag gets the whole (new) blob.
    const stale = await raw(m, 'GET', '/blobs/j/r.bin', { token: m.tokens.admin, headers: { range: 'bytes=0-9', 'if-range': '"0000"' } });
    expect(stale.status).toBe(200);
    const fresh = await raw(m, 'GET', '/blobs/j/r.bin', { token: m.tokens.admin, headers: { range: 'bytes=0-9', 'if-range': `"${sha(body)}"` } });
    expect(fresh.status).toBe(206);
    // A range of an empty blob is never satisfiable.
    await raw(m, 'PUT', '/blobs/j/empty', { token: m.tokens.admin, body: '' });
    expect((await raw(m, 'GET', '/blobs/j/empty', { token: m.tokens.admin, headers: { range: 'bytes=0-' } })).status).toBe(416);
  });

  it('revalidates by ETag', async () => {
    const m = await startMaster();
    const body = Buffer.from('same');
    await raw(m, 'PUT', '/blobs/j/e', { token: m.tokens.admin, body });
    const r = await raw(m, 'GET', '/blobs/j/e', { token: m.tokens.admin, headers: { 'if-none-match': `"${sha(body)}"` } });
    expect(r.status).toBe(304);
    expect(r.body.length).toBe(0);
  });

  it('overwrites atomically and keeps one file per blob', async () => {
    const m = await startMaster();
    const one = randomBytes(2048);
    const two = randomBytes(4096);
    expect((await raw(m, 'PUT', '/blobs/j/fw.bin', { token: m.tokens.admin, body: one })).status).toBe(201);
    const second = await raw(m, 'PUT', '/blobs/j/fw.bin', { token: m.tokens.admin, body: two });
    expect(second.status).toBe(200);
    expect(second.json()).toMatchObject({ replaced: true, size: 4096, sha256: sha(two) });
    const got = await raw(m, 'GET', '/blobs/j/fw.bin', { token: m.tokens.admin });
    expect(got.body.equals(two)).toBe(true);
    expect(blobFiles(m).filter((f) => f.startsWith('j/'))).toHaveLength(1);
  });

  it('concurrent overwrites of one name leave exactly one version and exact accounting', async () => {
    const m = await startMaster();
    const bodies = Array.from({ length: 8 }, (_, i) => randomBytes(100_000 + i * 1000));
    const results = await Promise.all(bodies.map((body) => raw(m, 'PUT', '/blobs/j/same', { token: m.tokens.admin, body })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const got = (await raw(m, 'GET', '/blobs/j/same', { token: m.tokens.admin })).body;
    expect(bodies.some((b) => b.equals(got))).toBe(true);
    expect(blobFiles(m)).toHaveLength(1);
    expect(m.blobs.usage()).toMatchObject({ storedBytes: got.length, reservedBytes: 0 });
  });

  it('a download in progress keeps reading the version it opened while the name is replaced', async () => {
    const m = await startMaster();
    const one = randomBytes(8 * 1024 * 1024);
    await raw(m, 'PUT', '/blobs/j/big', { token: m.tokens.admin, body: one });
    const res = await fetch(blobUrl(m, 'j', 'big'), { headers: { authorization: `Bearer ${m.tokens.admin}` } });
    const reader = res.body!.getReader();
    const first = await reader.read(); // the file is open now
    await raw(m, 'PUT', '/blobs/j/big', { token: m.tokens.admin, body: 'new' });
    await raw(m, 'DELETE', '/blobs/j/big', { token: m.tokens.admin });
    const chunks: Uint8Array[] = [first.value!];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(sha(Buffer.concat(chunks))).toBe(sha(one));
  });

  it('deletes, lists with Blob.List and deletes with Blob.Delete', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    for (const n of ['b.bin', 'a/x.bin', 'c']) await raw(m, 'PUT', `/blobs/job7/${n}`, { token: m.tokens.admin, body: n });
    await raw(m, 'PUT', '/blobs/other/z', { token: m.tokens.admin, body: 'z' });
    const list = await c.call('Blob.List', { job: 'job7' });
    expect(list.blobs.map((b) => b.name)).toEqual(['a/x.bin', 'b.bin', 'c']);
    expect(list.totalBytes).toBe('a/x.bin'.length + 'b.bin'.length + 1);
    expect(list.blobs[0]).toMatchObject({ size: 7, sha256: sha(Buffer.from('a/x.bin')), url: blobUrl(m, 'job7', 'a/x.bin') });
    expect(Date.parse(list.blobs[0]!.createdAt)).toBeGreaterThan(0);

    const del = await raw(m, 'DELETE', '/blobs/job7/b.bin', { token: m.tokens.admin });
    expect(del.status).toBe(204);
    expect((await raw(m, 'DELETE', '/blobs/job7/b.bin', { token: m.tokens.admin })).status).toBe(404);
    expect((await raw(m, 'GET', '/blobs/job7/b.bin', { token: m.tokens.admin })).status).toBe(404);
    expect(await c.call('Blob.Delete', { job: 'job7', name: 'c' })).toEqual({ deleted: true });
    expect(await c.call('Blob.Delete', { job: 'job7', name: 'c' })).toEqual({ deleted: false });
    expect((await c.call('Blob.List', { job: 'job7' })).blobs.map((b) => b.name)).toEqual(['a/x.bin']);
    expect(await c.call('Blob.List', { job: 'nothing-here' })).toEqual({ blobs: [], totalBytes: 0 });
    await expect(c.call('Blob.List', { job: '../x' })).rejects.toMatchObject({ code: -32602 });
    await expect(c.call('Blob.Delete', { job: 'job7', name: 'a/../x' })).rejects.toMatchObject({ code: -32602 });
    expect(blobFiles(m).filter((f) => !f.startsWith('.tmp'))).toHaveLength(2);
  });

  it('describes Blob.* with JSON Schemas that carry the name rules', async () => {
    const m = await startMaster();
    const c = await clientOf(m, 'viewer');
    const d = await c.call('RPC.Describe', { name: 'Blob.Delete' });
    expect(d.scopes).toEqual(['admin', 'task']);
    expect(JSON.stringify(d.params)).toContain('A-Za-z0-9._-');
    expect((await c.call('RPC.List', {})).methods).toEqual(expect.arrayContaining(['Blob.List', 'Blob.Delete']));
  });

  it('a blob name and a longer name under it coexist', async () => {
    const m = await startMaster();
    await raw(m, 'PUT', '/blobs/j/fw', { token: m.tokens.admin, body: 'file' });
    await raw(m, 'PUT', '/blobs/j/fw/inner.bin', { token: m.tokens.admin, body: 'inner' });
    expect((await raw(m, 'GET', '/blobs/j/fw', { token: m.tokens.admin })).body.toString()).toBe('file');
    expect((await raw(m, 'GET', '/blobs/j/fw/inner.bin', { token: m.tokens.admin })).body.toString()).toBe('inner');
  });

  it('checks X-Content-SHA256 on upload and stores nothing on a mismatch', async () => {
    const m = await startMaster();
    const body = randomBytes(100_000);
    const ok = await raw(m, 'PUT', '/blobs/j/s', { token: m.tokens.admin, body, headers: { 'x-content-sha256': sha(body).toUpperCase() } });
    expect(ok.status).toBe(201);
    const bad = await raw(m, 'PUT', '/blobs/j/t', { token: m.tokens.admin, body, headers: { 'x-content-sha256': 'ab'.repeat(32) } });
    expect(bad.status).toBe(400);
    expect(bad.json().error!.message).toMatch(/SHA-256 mismatch/);
    const malformed = await raw(m, 'PUT', '/blobs/j/t', { token: m.tokens.admin, body, headers: { 'x-content-sha256': 'xyz' } });
    expect(malformed.status).toBe(400);
    // A mismatching overwrite leaves the old version in place.
    const over = await raw(m, 'PUT', '/blobs/j/s', { token: m.tokens.admin, body: 'other', headers: { 'x-content-sha256': sha(body) } });
    expect(over.status).toBe(400);
    expect((await raw(m, 'GET', '/blobs/j/s', { token: m.tokens.admin })).body.equals(body)).toBe(true);
    expect(blobFiles(m)).toHaveLength(1);
  });

  it('with --fsync always, uploads are fsynced and round-trip the same', async () => {
    const m = await startMaster({ fsync: 'always' });
    const body = randomBytes(3 * 1024 * 1024);
    const put = await raw(m, 'PUT', '/blobs/j/synced', { token: m.tokens.admin, body });
    expect(put.json()).toMatchObject({ size: body.length, sha256: sha(body) });
    expect((await raw(m, 'GET', '/blobs/j/synced', { token: m.tokens.admin })).body.equals(body)).toBe(true);
  });

  it('survives a restart: metadata and bytes come back, stray files are swept', async () => {
    const m = await startMaster();
    const body = randomBytes(50_000);
    await raw(m, 'PUT', '/blobs/j/keep', { token: m.tokens.admin, body });
    await raw(m, 'PUT', '/blobs/j/lost', { token: m.tokens.admin, body: 'file removed by hand' });
    await raw(m, 'PUT', '/blobs/k/lost', { token: m.tokens.admin, body: 'whole job directory removed' });
    const dataDir = m.dataDir;
    // Object files have random names: the small one in j/ is `lost`.
    const lostFile = blobFiles(m).find((f) => f.startsWith('j/') && statSync(join(dataDir, 'blobs', f)).size !== body.length)!;
    await m.close();
    rmSync(join(dataDir, 'blobs', lostFile));
    rmSync(join(dataDir, 'blobs', 'k'), { recursive: true });
    writeFileSync(join(dataDir, 'blobs', '.tmp', 'half.part'), 'partial upload');
    writeFileSync(join(dataDir, 'blobs', 'j', 'orphan'), 'renamed but never committed');
    mkdirSync(join(dataDir, 'blobs', 'gone'));
    writeFileSync(join(dataDir, 'blobs', 'gone', 'x'), 'x');
    const m2 = await startMaster({ dataDir });
    const r = await raw(m2, 'GET', '/blobs/j/keep', { token: m2.tokens.admin });
    expect(r.body.equals(body)).toBe(true);
    expect(blobFiles(m2)).toHaveLength(1);
    // Rows whose files are gone are forgotten, and their bytes no longer counted.
    const c = await clientOf(m2);
    expect((await c.call('Blob.List', { job: 'j' })).blobs.map((b) => b.name)).toEqual(['keep']);
    expect(await c.call('Blob.List', { job: 'k' })).toEqual({ blobs: [], totalBytes: 0 });
    expect((await raw(m2, 'GET', '/blobs/j/lost', { token: m2.tokens.admin })).status).toBe(404);
    expect(m2.blobs.usage().storedBytes).toBe(body.length);
  });
});

