// A blob far larger than the master's memory budget goes in and out of a real `ourci master`
// process while its peak RSS (VmHWM) stays flat: nothing is buffered whole.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir, waitFor } from '../../helpers/master';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
const RSS_LIMIT = 200 * MiB;
const bin = fileURLToPath(new URL('../../../bin/ourci', import.meta.url));

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

async function startMasterProcess(): Promise<{ child: ChildProcess; url: string; token: string }> {
  const data = tempDir();
  const child = spawn(process.execPath, [bin, 'master', '--port', '0', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.resume();
  const url = await waitFor(() => /listening on (\S+)/.exec(out)?.[1], 30_000, 'the master to listen');
  return { child, url, token: readFileSync(join(data, 'admin.token'), 'utf8').trim() };
}

describe('blob streaming memory', () => {
  it(`uploads and downloads ${SIZE / MiB} MiB with the master's peak RSS under ${RSS_LIMIT / MiB} MiB`, async () => {
    const { child, url, token } = await startMasterProcess();
    const idle = peakRss(child.pid!);
    const t0 = Date.now();
    const { hostname, port } = new URL(url);
    const target = { host: hostname, port: Number(port), path: '/blobs/mem/big.bin', agent: false, headers: { authorization: `Bearer ${token}` } };

    // Upload: generated on the fly (a random block, varied per chunk), chunked, no Content-Length.
    const block = randomBytes(MiB);
    const sent = createHash('sha256');
    const put = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ ...target, method: 'PUT' }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      let i = 0;
      const pump = (): void => {
        while (i < SIZE / MiB) {
          block.writeUInt32LE(i++, 0);
          sent.update(block);
          if (!req.write(Buffer.from(block))) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    const digest = sent.digest('hex');
    expect(put.status).toBe(201);
    expect(JSON.parse(put.body)).toMatchObject({ size: SIZE, sha256: digest });
    const afterUpload = peakRss(child.pid!);
    const t1 = Date.now();

    // Download, hashing as it arrives.
    const got = await new Promise<{ size: number; sha: string; header: string }>((resolve, reject) => {
      const req = request({ ...target, method: 'GET' }, (res) => {
        const h = createHash('sha256');
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          h.update(d);
        });
        res.on('end', () => resolve({ size, sha: h.digest('hex'), header: String(res.headers['x-content-sha256']) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(got).toEqual({ size: SIZE, sha: digest, header: digest });
    const afterDownload = peakRss(child.pid!);
    const rate = (ms: number): string => `${((SIZE / MiB) / (ms / 1000)).toFixed(0)} MiB/s`;
    console.log(
      `${SIZE / MiB} MiB: upload ${rate(t1 - t0)}, download ${rate(Date.now() - t1)} (client hashing included); ` +
        `master peak RSS ${(idle / MiB).toFixed(0)} MiB idle, ${(afterUpload / MiB).toFixed(0)} MiB after upload, ${(afterDownload / MiB).toFixed(0)} MiB after download`,
    );
    expect(afterDownload).toBeLessThan(RSS_LIMIT);
  }, 180_000);
});
