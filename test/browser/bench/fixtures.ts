// Real components for the bench UI's browser tests: `bin/ourci master` and `bin/ourci bench
// --headless` with virtual boards as child processes on loopback, each with a fresh data
// directory, serving the current build of the bench UI.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleFirmware } from '../../../src/devices/images/esp-image-build';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'bin/ourci');
export const SHOTS = join(ROOT, 'test-results/bench');

let built = false;
/** The CLI bundle and the bench UI, from the current sources (once per worker). */
export function buildOnce(): void {
  if (built) return;
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '-c', 'vite.bench.config.ts'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

interface Proc {
  child: ChildProcess;
  out: () => string;
  stop(): Promise<void>;
}

function startProc(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return {
    child,
    out: () => text,
    stop: async () => {
      for (const sig of ['SIGTERM', 'SIGTERM', 'SIGKILL'] as const) {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill(sig);
        const gone = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 5000);
          child.once('exit', () => {
            clearTimeout(t);
            resolve(true);
          });
        });
        if (gone) return;
      }
    },
  };
}

async function waitOutput(p: Proc, re: RegExp, ms = 30_000): Promise<RegExpExecArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = re.exec(p.out());
    if (m) return m;
    if (p.child.exitCode !== null) throw new Error(`process exited (${p.child.exitCode}):\n${p.out()}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${p.out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Stack {
  masterUrl: string;
  tokens: { admin: string; agent: string };
  benchUrl: string;
  /** One-time login link printed by the bench. */
  loginUrl: string;
  benchToken: string;
  dir: string;
  rpc<T = unknown>(method: string, params?: unknown): Promise<T>;
  putBlob(job: string, name: string, bytes: Uint8Array): Promise<void>;
  /** A sample ESP8266 image on disk. */
  firmware(name: string, version: string, size?: number): string;
  benchOutput(): string;
  stop(): Promise<void>;
}

export async function startStack(opts: { virtual?: string; pace?: boolean } = {}): Promise<Stack> {
  buildOnce();
  const dir = mkdtempSync(join(tmpdir(), 'ourci-bench-ui-'));
  const master = startProc(['master', '--port', '0', '--data', join(dir, 'master')], {});
  const masterUrl = (await waitOutput(master, /listening on (http:\/\/\S+)/))[1]!;
  const read = (f: string): string => readFileSync(join(dir, 'master', f), 'utf8').trim();
  const tokens = { admin: read('admin.token'), agent: read('agent.token') };
  const args = ['bench', '--headless', '--ui', '127.0.0.1:0', '--virtual-boards', opts.virtual ?? 'esp8266:2,cc3200:1', '--no-real', '--name', 'pw-bench', '--data', join(dir, 'bench')];
  if (opts.pace) args.push('--virtual-pace');
  const bench = startProc(args, { OURCI_URL: masterUrl, OURCI_AGENT_TOKEN: tokens.agent });
  const benchUrl = (await waitOutput(bench, /^listening on (http:\/\/\S+)$/m))[1]!;
  const loginUrl = (await waitOutput(bench, /^bench UI: (\S+)/m))[1]!;
  const rpc = async <T>(method: string, params: unknown = {}): Promise<T> => {
    const res = await fetch(`${masterUrl}/rpc/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.admin}` }, body: JSON.stringify(params) });
    const body = (await res.json()) as T & { message?: string };
    if (!res.ok) throw new Error(`${method}: ${body.message ?? res.status}`);
    return body;
  };
  return {
    masterUrl,
    tokens,
    benchUrl,
    loginUrl,
    benchToken: readFileSync(join(dir, 'bench', 'bench.token'), 'utf8').trim(),
    dir,
    rpc,
    putBlob: async (job, name, bytes) => {
      const res = await fetch(`${masterUrl}/blobs/${job}/${name}`, { method: 'PUT', headers: { authorization: `Bearer ${tokens.admin}` }, body: bytes });
      if (!res.ok) throw new Error(`PUT blob: HTTP ${res.status}`);
    },
    firmware: (name, version, size = 64 << 10) => {
      const file = join(dir, `${name}-${version}.bin`);
      writeFileSync(file, sampleFirmware(name, version, size));
      return file;
    },
    benchOutput: () => bench.out(),
    stop: async () => {
      await bench.stop();
      await master.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { sampleFirmware };
