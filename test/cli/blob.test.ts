import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Master } from '../../server/master';
import { startMaster, tempDir } from '../helpers/master';
import { taskToken } from '../server/blobs/helpers';

const bin = fileURLToPath(new URL('../../bin/ourci', import.meta.url));
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs `ourci …` in `cwd` with only the given environment (plus PATH), feeding `input`. */
function ourci(args: string[], env: Record<string, string>, opts: { cwd?: string; input?: Buffer } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: opts.cwd ?? tempDir(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.end(opts.input);
  });
}

const envOf = (m: Master, token = m.tokens.admin, extra: Record<string, string> = {}): Record<string, string> => ({
  OURCI_URL: m.url,
  OURCI_TOKEN: token,
  ...extra,
});

describe('ourci blob', () => {
  it('puts, lists, gets and removes a multi-MiB blob as JOB/NAME', async () => {
    const m = await startMaster();
    const dir = tempDir();
    const data = randomBytes(6 * 1024 * 1024 + 5);
    writeFileSync(join(dir, 'fw.bin'), data);
    const env = envOf(m);

    const put = await ourci(['blob', 'put', 'fw.bin', 'job1/esp/fw.bin', '--json'], env, { cwd: dir });
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    expect(JSON.parse(put.stdout.toString())).toMatchObject({ job: 'job1', name: 'esp/fw.bin', size: data.length, sha256: sha(data) });

    const human = await ourci(['blob', 'put', 'fw.bin', 'job1/other.bin'], env, { cwd: dir });
    expect(human.stdout.toString()).toBe(`uploaded job1/other.bin: 6.0 MiB, sha256 ${sha(data)}\n`);

    const ls = await ourci(['blob', 'ls', 'job1'], env);
    const lines = ls.stdout.toString().trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SIZE\s+SHA256\s+CREATED$/);
    expect(lines[1]).toMatch(new RegExp(`^esp/fw\\.bin\\s+6\\.0 MiB\\s+${sha(data).slice(0, 12)}\\s+\\d{4}-`));
    expect(lines[3]).toBe('2 blobs, 12.0 MiB');
    const lsJson = JSON.parse((await ourci(['blob', 'ls', 'job1', '--json'], env)).stdout.toString());
    expect(lsJson.blobs.map((b: { name: string }) => b.name)).toEqual(['esp/fw.bin', 'other.bin']);

    const get = await ourci(['blob', 'get', 'job1/esp/fw.bin'], env, { cwd: dir });
    expect(get.code).toBe(0);
    expect(get.stdout.toString()).toBe(`downloaded job1/esp/fw.bin to fw.bin: 6.0 MiB, sha256 verified\n`);
    expect(readFileSync(join(dir, 'fw.bin')).equals(data)).toBe(true);
    const toFile = await ourci(['blob', 'get', 'job1/other.bin', 'copy.bin', '--json'], env, { cwd: dir });
    expect(JSON.parse(toFile.stdout.toString())).toMatchObject({ file: 'copy.bin', size: data.length, sha256: sha(data) });
    expect(readFileSync(join(dir, 'copy.bin')).equals(data)).toBe(true);
    const toStdout = await ourci(['blob', 'get', 'job1/other.bin', '-'], env);
    expect(toStdout.stdout.equals(data)).toBe(true);

    const rm = await ourci(['blob', 'rm', 'job1/esp/fw.bin', 'job1/other.bin'], env);
    expect(rm.stdout.toString()).toBe('deleted job1/esp/fw.bin\ndeleted job1/other.bin\n');
    expect((await ourci(['blob', 'ls', 'job1'], env)).stdout.toString()).toBe('(no blobs in job job1)\n');
    expect(readdirSync(dir).sort()).toEqual(['copy.bin', 'fw.bin']); // no .part files left
  });

  it('inside a task: JOB defaults to $BUILD_JOB, stdin uploads, other jobs are refused', async () => {
    const m = await startMaster();
    const token = taskToken(m, 'jobA');
    const env = envOf(m, token, { BUILD_JOB: 'jobA' });
    const data = Buffer.from('test script\n');

    expect((await ourci(['blob', 'put', '-', 'test.sh'], env, { input: data })).code).toBe(0);
    expect((await ourci(['blob', 'put', '-', 'fw/app.bin', '--job', 'jobA'], env, { input: data })).code).toBe(0);
    const ls = JSON.parse((await ourci(['blob', 'ls', '--json'], env)).stdout.toString());
    expect(ls.blobs.map((b: { name: string }) => b.name)).toEqual(['fw/app.bin', 'test.sh']);
    expect((await ourci(['blob', 'get', 'test.sh', '-'], env)).stdout.equals(data)).toBe(true);

    const other = await ourci(['blob', 'put', '-', 'jobB/x'], env, { input: data });
    expect(other.code).toBe(1);
    expect(other.stderr).toBe('ourci: error: a task token of job jobA may not write blobs of job jobB\n');
    expect((await ourci(['blob', 'rm', 'test.sh'], env)).code).toBe(0);
  });

  it('fails with one clear line: 404, 401, 413, bad names, no job', async () => {
    const m = await startMaster({ blobs: { maxBlobBytes: 1024 } });
    const dir = tempDir();
    writeFileSync(join(dir, 'big'), Buffer.alloc(2048));
    const env = envOf(m);
    const cases: Array<[string[], Record<string, string>, number, RegExp]> = [
      [['blob', 'get', 'j/missing'], env, 1, /^ourci: error: no blob missing in job j$/],
      [['blob', 'rm', 'j/missing'], env, 1, /^ourci: error: no blob missing in job j$/],
      [['blob', 'ls', 'j'], envOf(m, 'wrong'), 1, /^ourci: error: missing or invalid token \(set OURCI_TOKEN/],
      [['blob', 'get', 'j/x'], envOf(m, 'wrong'), 1, /^ourci: error: missing or invalid token \(set OURCI_TOKEN/],
      [['blob', 'put', 'big', 'j/big'], env, 1, /^ourci: error: blob of 2\.0 KiB exceeds the 1\.0 KiB limit per blob$/],
      [['blob', 'put', 'big', 'j/../x'], env, 2, /^ourci: error: bad blob name "\.\.\/x": it has a "\.\." segment$/],
      [['blob', 'get', 'j/a//b'], env, 2, /^ourci: error: bad blob name "a\/\/b": it has an empty segment/],
      [['blob', 'put', 'big', 'j.x/y'], env, 2, /^ourci: error: bad job id "j\.x"/],
      [['blob', 'put', 'big', 'name'], env, 2, /^ourci: error: no job for blob "name": write JOB\/NAME, pass --job, or run inside a task/],
      [['blob', 'ls'], env, 2, /^ourci: error: which job\?/],
      [['blob', 'put', 'nofile', 'j/x'], env, 2, /^ourci: error: nofile: no such file$/],
      [['blob', 'ls', 'j'], { OURCI_URL: 'http://127.0.0.1:1', OURCI_TOKEN: 't' }, 1, /^ourci: error: cannot reach the master at http:\/\/127\.0\.0\.1:1/],
      [['blob', 'get', 'j/x'], { OURCI_URL: 'http://127.0.0.1:1', OURCI_TOKEN: 't' }, 1, /^ourci: error: cannot reach the master at http:\/\/127\.0\.0\.1:1/],
    ];
    for (const [args, e, code, line] of cases) {
      const r = await ourci(args, e, { cwd: dir });
      expect([args.join(' '), r.code, r.stderr.trimEnd()]).toEqual([args.join(' '), code, expect.stringMatching(line)]);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(readdirSync(dir)).toEqual(['big']); // failed downloads leave no files
  });
});
