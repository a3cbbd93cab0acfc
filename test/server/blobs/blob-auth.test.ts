import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { blobUrlFor } from '../../../server/blobs/index';
import type { Master } from '../../../server/master';
import { startMaster, tempDir } from '../../helpers/master';
import { raw, taskToken } from './helpers';

const run = promisify(execFile);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

type Who = 'none' | 'viewer' | 'agent' | 'admin' | 'task of j' | 'task of k';

function tokenOf(m: Master, who: Who): string | undefined {
  switch (who) {
    case 'none':
      return undefined;
    case 'task of j':
      return taskToken(m, 'j');
    case 'task of k':
      return taskToken(m, 'k');
    default:
      return m.tokens[who];
  }
}

async function rpc(m: Master, token: string | undefined, method: string, params: unknown): Promise<number> {
  const r = await raw(m, 'POST', `/rpc/${method}`, { token, body: JSON.stringify(params), headers: { 'content-type': 'application/json' } });
  return r.status;
}

// Expected HTTP status per caller: GET, HEAD, PUT, DELETE of /blobs/j/x, then Blob.List and
// Blob.Delete of job j.
const MATRIX: Array<[Who, number[]]> = [
  ['none', [401, 401, 401, 401, 401, 401]],
  ['viewer', [200, 200, 403, 403, 200, 403]],
  ['agent', [200, 200, 403, 403, 200, 403]],
  ['admin', [200, 200, 200, 204, 200, 200]],
  ['task of j', [200, 200, 200, 204, 200, 200]],
  ['task of k', [403, 403, 403, 403, 403, 403]],
];

describe('blob authorization', () => {
  it.each(MATRIX)('%s', async (who, expected) => {
    const m = await startMaster();
    const token = tokenOf(m, who);
    const seed = async (): Promise<void> => {
      await raw(m, 'PUT', '/blobs/j/x', { token: m.tokens.admin, body: 'seed' });
    };
    await seed();
    const got: number[] = [];
    got.push((await raw(m, 'GET', '/blobs/j/x', { token })).status);
    got.push((await raw(m, 'HEAD', '/blobs/j/x', { token })).status);
    got.push((await raw(m, 'PUT', '/blobs/j/x', { token, body: 'mine' })).status);
    got.push((await raw(m, 'DELETE', '/blobs/j/x', { token })).status);
    await seed();
    got.push(await rpc(m, token, 'Blob.List', { job: 'j' }));
    got.push(await rpc(m, token, 'Blob.Delete', { job: 'j', name: 'x' }));
    expect(got).toEqual(expected);
    // Refused writes changed nothing.
    if (expected[2] === 403 || expected[2] === 401) {
      expect((await raw(m, 'GET', '/blobs/j/x', { token: m.tokens.admin })).body.toString()).toBe('seed');
    }
  });

  it('a refused upload is never sent: no 100 Continue before the checks pass', async () => {
    const m = await startMaster();
    const dir = tempDir();
    writeFileSync(join(dir, 'f'), randomBytes(3 * 1024 * 1024));
    // curl sends "Expect: 100-continue" for large uploads and waits for the verdict.
    const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_upload}', '-T', join(dir, 'f'),
      '-H', `Authorization: Bearer ${m.tokens.viewer}`, `${m.url}/blobs/j/f`]);
    expect(stdout).toBe('403 0');
  });

  it('with --public-read, anonymous callers may read but not write', async () => {
    const m = await startMaster({ publicRead: true });
    await raw(m, 'PUT', '/blobs/j/x', { token: m.tokens.admin, body: 'pub' });
    expect((await raw(m, 'GET', '/blobs/j/x')).body.toString()).toBe('pub');
    expect((await raw(m, 'PUT', '/blobs/j/x', { body: 'no' })).status).toBe(401);
  });

  it('BLOB_URL works with plain curl, the token riding as HTTP Basic', async () => {
    const m = await startMaster();
    const token = taskToken(m, 'job42');
    const blobUrl = blobUrlFor(m.url, 'job42', token);
    expect(blobUrl).toBe(`http://ourci:${token}@127.0.0.1:${m.port}/blobs/job42`);
    const dir = tempDir();
    const fw = randomBytes(5 * 1024 * 1024 + 1);
    writeFileSync(join(dir, 'fw.bin'), fw);

    const up = await run('curl', ['-sS', '--fail-with-body', '-T', join(dir, 'fw.bin'), `${blobUrl}/fw/fw.bin`]);
    expect(JSON.parse(up.stdout)).toMatchObject({ size: fw.length, sha256: sha(fw) });
    await run('curl', ['-sS', '--fail-with-body', '-o', join(dir, 'back.bin'), `${blobUrl}/fw/fw.bin`]);
    expect(readFileSync(join(dir, 'back.bin')).equals(fw)).toBe(true);
    const head = await run('curl', ['-sS', '-I', `${blobUrl}/fw/fw.bin`]);
    expect(head.stdout).toMatch(new RegExp(`x-content-sha256: ${sha(fw)}`, 'i'));

    // `curl -u TOKEN:` works too; a wrong password, or another job, does not.
    const viaUser = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-u', `${token}:`, `${m.url}/blobs/job42/fw/fw.bin`]);
    expect(viaUser.stdout).toBe('200');
    const wrong = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://ourci:nope@127.0.0.1:${m.port}/blobs/job42/fw/fw.bin`]);
    expect(wrong.stdout).toBe('401');
    const other = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `${blobUrlFor(m.url, 'job43', token)}/x`]);
    expect(other.stdout).toBe('403');
    // Basic works wherever a bearer token does, e.g. the RPC over HTTP.
    const list = await run('curl', ['-sS', '--fail-with-body', '-X', 'POST', '-d', '{"job":"job42"}', `http://ourci:${token}@127.0.0.1:${m.port}/rpc/Blob.List`]);
    expect(JSON.parse(list.stdout).blobs[0]).toMatchObject({ name: 'fw/fw.bin', size: fw.length });
  });

  it('Basic auth opens the RPC WebSocket too', async () => {
    const m = await startMaster();
    const basic = (secret: string): string => `Basic ${Buffer.from(`ourci:${secret}`).toString('base64')}`;
    const attempt = (auth: string): Promise<string> =>
      new Promise((resolve) => {
        const ws = new WebSocket(`${m.url.replace('http', 'ws')}/rpc`, { headers: { authorization: auth } });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.on('error', () => undefined);
      });
    expect(await attempt(basic(m.tokens.viewer))).toBe('open');
    expect(await attempt(basic('nope'))).toBe('401');
  });

  it('blobUrlFor keeps a base path and escapes what needs it', () => {
    expect(blobUrlFor('https://ci.example.com/ourci/', 'j', 'a/b+c')).toBe('https://ourci:a%2Fb+c@ci.example.com/ourci/blobs/j');
    expect(() => blobUrlFor('http://h', '../x', 't')).toThrow(/not a job id/);
  });
});
