import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { decodeBlobPath, isValidBlobName } from '../../../src/shared/blobs/names';
import { clientOf, startMaster } from '../../helpers/master';
import { blobFiles, raw } from './helpers';

// Every path here is sent byte for byte; each must be refused with 400 by PUT, GET, HEAD and
// DELETE, and leave nothing behind.
const BAD_PATHS: Array<[string, string]> = [
  ['/blobs/j/..', 'dot-dot'],
  ['/blobs/j/.', 'dot'],
  ['/blobs/j/a/../b', 'dot-dot inside'],
  ['/blobs/j/./a', 'dot inside'],
  ['/blobs/j/a/..', 'trailing dot-dot'],
  ['/blobs/j/%2e%2e', 'encoded dot-dot'],
  ['/blobs/j/%2E%2E/x', 'upper-case encoded dot-dot'],
  ['/blobs/j/.%2e', 'half-encoded dot-dot'],
  ['/blobs/j/a/%2e/b', 'encoded dot'],
  ['/blobs/j/a%2fb', 'encoded slash'],
  ['/blobs/j/a%2Fb', 'upper-case encoded slash'],
  ['/blobs/j/..%2f..%2fetc%2fpasswd', 'encoded traversal'],
  ['/blobs/j/%2fetc', 'encoded leading slash'],
  ['/blobs/j/%252e%252e', 'double-encoded dot-dot'],
  ['/blobs/j/a\\b', 'backslash'],
  ['/blobs/j/..\\..\\x', 'backslash traversal'],
  ['/blobs/j/a%5cb', 'encoded backslash'],
  ['/blobs/j/a%00b', 'encoded NUL'],
  ['/blobs/j/', 'empty name'],
  ['/blobs/j', 'no name'],
  ['/blobs/', 'no job'],
  ['/blobs', 'bare'],
  ['/blobs/j//a', 'empty leading segment'],
  ['/blobs/j/a//b', 'double slash'],
  ['/blobs/j/a/', 'trailing slash'],
  ['/blobs/../j/a', 'dot-dot job'],
  ['/blobs/%2e%2e/j/a', 'encoded dot-dot job'],
  ['/blobs/j%2fk/a', 'encoded slash in job'],
  ['/blobs/j.k/a', 'dot in job'],
  [`/blobs/${'x'.repeat(65)}/a`, 'job too long'],
  [`/blobs/j/${'a'.repeat(256)}`, 'segment too long'],
  [`/blobs/j/${Array.from({ length: 200 }, () => 'abcdef').join('/')}`, 'name too long'],
  ['/blobs/j/a%20b', 'space'],
  ['/blobs/j/%', 'lone percent'],
  ['/blobs/j/%zz', 'bad escape'],
  ['/blobs/j/a~b', 'tilde'],
  ['/blobs/j/%C3%BC', 'non-ASCII'],
  ['/blobs/j/a:b', 'colon'],
  ['/blobs/j/*', 'star'],
];

describe('blob names', () => {
  it.each(BAD_PATHS)('refuses %s (%s) with 400 and touches nothing', async (path) => {
    const m = await startMaster();
    for (const method of ['PUT', 'GET', 'HEAD', 'DELETE']) {
      const r = await raw(m, method, path, { token: m.tokens.admin, body: method === 'PUT' ? 'payload' : undefined });
      expect([method, r.status]).toEqual([method, 400]);
      if (method !== 'HEAD') expect(r.json().error!.message).toMatch(/bad (blob name|job id)/);
    }
    expect(blobFiles(m)).toEqual([]);
  });

  it('refuses raw NUL and control bytes at the HTTP layer, storing nothing', async () => {
    const m = await startMaster();
    for (const bad of ['/blobs/j/a\u0000b', '/blobs/j/a\u0001b', '/blobs/j/a\u007fb']) {
      const status = await new Promise<string>((resolve, reject) => {
        const s = connect(m.port, '127.0.0.1', () => {
          s.write(`PUT ${bad} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${m.tokens.admin}\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`);
        });
        let text = '';
        s.on('data', (d) => (text += d.toString('latin1')));
        s.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
        s.on('error', reject);
      });
      expect(status).toMatch(/^HTTP\/1\.1 400/);
    }
    expect(blobFiles(m)).toEqual([]);
  });

  it('accepts every valid shape, decoding escaped unreserved characters', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const names = ['a', 'A-Z_0.9', '..a', 'a..', '.hidden', 'a/.b/c', '...', 'x'.repeat(255), 'a/b/c/d/e/f'];
    for (const n of names) expect((await raw(m, 'PUT', `/blobs/J_1-x/${n}`, { token: m.tokens.admin, body: n })).status).toBe(201);
    expect((await raw(m, 'PUT', '/blobs/J_1-x/%41%2Db?ignored=query', { token: m.tokens.admin, body: 'A-b' })).status).toBe(201);
    const listed = (await c.call('Blob.List', { job: 'J_1-x' })).blobs.map((b) => b.name);
    expect(listed.sort()).toEqual([...names, 'A-b'].sort());
  });

  it('decodes and validates names the same way everywhere', () => {
    expect(decodeBlobPath('fw/%61.bin')).toEqual({ name: 'fw/a.bin' });
    expect(decodeBlobPath('a%2fb')).toEqual({ problem: expect.stringContaining('encoded "/"') });
    expect(isValidBlobName('a/b')).toBe(true);
    for (const n of ['', '/a', 'a/', 'a//b', '.', '..', 'a/../b', 'a\\b', 'a\u0000b', 'x'.repeat(1025)]) expect(isValidBlobName(n)).toBe(false);
  });
});
