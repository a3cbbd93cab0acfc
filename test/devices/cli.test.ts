// `ourci boards | flash | console` as a user runs them: real processes, virtual boards
// inside them, a loopback HTTP server standing in for the master's blob store.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { sampleCc3200App, sampleFirmware } from '../../src/devices';
import { tempDir } from '../helpers/master';

const BIN = fileURLToPath(new URL('../../bin/ourci', import.meta.url));
const md5 = (d: Uint8Array): string => createHash('md5').update(d).digest('hex');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ourci(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, OURCI_URL: undefined, OURCI_TOKEN: undefined, OURCI_BENCH_URL: undefined, OURCI_DATA: tempDir('ourci-cli-data-'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function file(name: string, data: Uint8Array): string {
  const path = join(tempDir('ourci-cli-'), name);
  writeFileSync(path, data);
  return path;
}

const VIRTUAL = ['--no-real', '--virtual-boards'];

describe('ourci boards', () => {
  it('lists virtual boards as JSON, with stable ids, chip, MAC and flash size', async () => {
    const r = await ourci(['boards', '--json', ...VIRTUAL, 'esp8266:2,cc3200:1']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { enumeration: string; boards: Array<Record<string, unknown>> };
    expect(out.enumeration).toBe('ok');
    expect(out.boards.map((b) => [b.id, b.type, b.port, b.virtual])).toEqual([
      ['cc3200-virt1', 'cc3200', 'virtual:cc3200-1', true],
      ['esp8266-18fe347e0001', 'esp8266', 'virtual:esp8266-1', true],
      ['esp8266-18fe347e0002', 'esp8266', 'virtual:esp8266-2', true],
    ]);
  });

  it('lists this machine\'s boards (none on CI: /dev/ttyS0 is not a board)', async () => {
    const r = await ourci(['boards']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no boards found/);
    const all = await ourci(['boards', '--all', '--json']);
    const out = JSON.parse(all.stdout) as { enumeration: string; error?: string };
    // udev is installed here; without it this says "unavailable" and still exits 0.
    expect(['ok', 'unavailable']).toContain(out.enumeration);
  });

  it('watches virtual boards on ptys and stops cleanly', async () => {
    const child = spawn(process.execPath, [BIN, 'boards', '--watch', '--json', ...VIRTUAL, 'esp8266:1', '--virtual-transport', 'pty'], { stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => void child.kill('SIGKILL'));
    let stdout = '';
    const added = await new Promise<{ board: { port: string } }>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        const line = stdout.split('\n').find((l) => l.includes('"added"'));
        if (line) resolve(JSON.parse(line));
      });
    });
    expect(added.board.port).toMatch(/esp8266-1$/);
    const code = await new Promise((resolve) => {
      child.on('close', resolve);
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
  });
});

describe('ourci flash', () => {
  it('flashes a file to a virtual ESP8266 and reports what it wrote', async () => {
    const image = sampleFirmware('cli', '1.0.0', 16 * 1024);
    const r = await ourci(['flash', '--json', ...VIRTUAL, 'esp8266:1', file('fw.bin', image)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ board: 'esp8266-18fe347e0001', chip: 'ESP8266EX', reset: 'hard_reset', parts: [{ address: 0, size: image.length, md5: md5(image) }] });
  });

  it('flashes a CC3200 app and explains progress on a non-terminal', async () => {
    const app = sampleCc3200App('cli-cc', '1.0.0', 6000);
    const r = await ourci(['flash', ...VIRTUAL, 'cc3200:1', file('mcuimg.bin', app)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flashed mcuimg.bin to cc3200-virt1 \(CC3200\) in [\d.]+ s, verified; reset into its application\n {2}\/sys\/mcuimg.bin {2}6000 bytes {2}md5 [0-9a-f]{32}/);
    expect(r.stderr).toMatch(/connecting\nwriting \d+%[\s\S]*verifying[\s\S]*done/);
  });

  it('fetches JOB/BLOB from the master with the token', async () => {
    const image = sampleFirmware('from-blob', '2.0.0', 8192);
    const server = createServer((req, res) => {
      if (req.headers.authorization !== 'Bearer t0k') return void res.writeHead(401).end();
      if (req.url !== '/blobs/job-7/build/fw.bin') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': image.length }).end(Buffer.from(image));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onTestFinished(() => void server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Global options before the subcommand, or the environment, as for every other command.
    const ok = await ourci(['--url', url, '--token', 't0k', 'flash', '--json', ...VIRTUAL, 'esp8266:1', 'job-7/build/fw.bin']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ source: 'job-7/build/fw.bin', parts: [{ md5: md5(image) }] });
    const missing = await ourci(['flash', ...VIRTUAL, 'esp8266:1', 'job-7/nope.bin'], { OURCI_URL: url, OURCI_TOKEN: 't0k' });
    expect(missing.stderr).toBe('ourci: error: no blob nope.bin in job job-7\n');
    const denied = await ourci(['--url', url, '--token', 'bad', 'flash', ...VIRTUAL, 'esp8266:1', 'job-7/build/fw.bin']);
    expect(denied.stderr).toMatch(/the master refused job-7\/build\/fw.bin \(HTTP 401\)/);
  });

  it('refuses bad input with one clear line and changes nothing', async () => {
    const corrupt = sampleFirmware('bad', '1.0.0', 4096);
    corrupt[200]! ^= 0x55;
    const cases: Array<[string[], RegExp, number]> = [
      [['flash', ...VIRTUAL, 'esp8266:1', file('bad.bin', corrupt)], /^ourci: error: bad.bin: checksum mismatch: stored 0x[0-9a-f]+, computed 0x[0-9a-f]+ \(the image is corrupt or truncated\)\n$/, 2],
      [['flash', ...VIRTUAL, 'esp8266:1', '--before', 'sometimes', file('a.bin', corrupt)], /--before must be one of default_reset, no_reset, got sometimes/, 2],
      [['flash', ...VIRTUAL, 'esp8266:1', '--baud', '12', file('a.bin', sampleFirmware('a', '1.0.0', 2048))], /--baud must be a rate between 300 and 4000000, got 12/, 2],
      [['flash', ...VIRTUAL, 'esp8266:1', '/no/such/fw.bin'], /no such file: \/no\/such\/fw.bin/, 1],
      [['flash', ...VIRTUAL, 'esp8266:2', file('b.bin', sampleFirmware('b', '1.0.0', 2048))], /2 boards attached: choose one with --board; boards: esp8266-18fe347e0001/, 2],
      [['flash', ...VIRTUAL, 'esp8266:1', '--board', 'esp8266-nope', file('c.bin', sampleFirmware('c', '1.0.0', 2048))], /no board esp8266-nope; boards: esp8266-18fe347e0001 \(virtual:esp8266-1\)/, 1],
      [['flash', ...VIRTUAL, 'esp8266:1', file('cc.bin', sampleCc3200App('cc', '1.0.0', 2048))], /cc.bin looks like a CC3200 application, but the board is esp8266; nothing was written/, 2],
      [['boards', '--virtual-boards', 'avr:1'], /bad --virtual-boards entry "avr:1"/, 2],
    ];
    for (const [args, message, code] of cases) {
      const r = await ourci(args);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(code);
    }
  });

  it('inside a bench task, goes through the bench instead of the port (test/bench covers the route)', async () => {
    const fw = file('fw.bin', sampleFirmware('x', '1.0.0', 2048));
    const noBoard = await ourci(['flash', ...VIRTUAL, 'esp8266:1', fw], { OURCI_BENCH_URL: 'http://127.0.0.1:9/bench' });
    expect(noBoard.stderr).toMatch(/OURCI_BENCH_URL is set but BOARD_ID is not/);
    expect(noBoard.code).toBe(2);
    const r = await ourci(['flash', ...VIRTUAL, 'esp8266:1', fw], { OURCI_BENCH_URL: 'http://127.0.0.1:9/bench', BOARD_ID: 'esp8266-x' });
    expect(r.stderr).toMatch(/cannot reach the bench at http:\/\/127.0.0.1:9\/bench \(OURCI_BENCH_URL\)/);
    expect(r.code).toBe(1);
  });
});

describe('ourci console', () => {
  it('resets the board and waits for a line: the ROM banner at 74880 baud', async () => {
    const r = await ourci(['console', ...VIRTUAL, 'esp8266:1', '--baud', '74880', '--reset', '--until', 'rst cause:2', '--timeout', '10s']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} .*ets Jan {2}8 2013,rst cause:2, boot mode:\(3,6\)$/m);
  });

  it('fails a test step when the line never comes', async () => {
    const r = await ourci(['console', '--json', ...VIRTUAL, 'esp8266:1', '--until', 'never printed', '--timeout', '1s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ourci: error: no line matched /never printed/ within 1s\n');
  });
});
