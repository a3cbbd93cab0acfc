// Real components for the dashboard's browser tests: `bin/ourci master` and `bin/ourci agent`
// child processes on loopback, a fresh data directory each, the current dashboard build, and
// a small RPC helper (POST /rpc/<Method>, what curl would do).
import { test as base, type Page } from '@playwright/test';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'bin/ourci');
export const SHOTS = join(ROOT, 'test-results/dashboard');

export interface MasterProc {
  url: string;
  port: number;
  dataDir: string;
  tokens: { admin: string; agent: string; viewer: string };
  rpc<T = unknown>(method: string, params?: unknown, token?: string): Promise<T>;
  /** Stops the master; its data directory is removed unless it was given or `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

function waitExit(p: ChildProcess, ms: number): Promise<boolean> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function stopProcess(p: ChildProcess, signals: NodeJS.Signals[]): Promise<void> {
  for (const s of signals) {
    if (p.exitCode !== null || p.signalCode !== null) return;
    p.kill(s);
    if (await waitExit(p, 5000)) return;
  }
  p.kill('SIGKILL');
  await waitExit(p, 5000);
}

export async function startMaster(opts: { publicRead?: boolean; dataDir?: string; port?: number } = {}): Promise<MasterProc> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ourci-dash-'));
  const args = [BIN, 'master', '--port', String(opts.port ?? 0), '--host', '127.0.0.1', '--data', dataDir];
  if (opts.publicRead) args.push('--public-read');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let errText = '';
  child.stderr!.on('data', (d: Buffer) => (errText = (errText + d.toString()).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`master did not start: ${errText}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`master exited with ${code}: ${errText}`)));
  });
  const read = (f: string): string => readFileSync(join(dataDir, f), 'utf8').trim();
  const tokens = { admin: read('admin.token'), agent: read('agent.token'), viewer: read('viewer.token') };
  const rpc = async <T>(method: string, params: unknown = {}, token = tokens.admin): Promise<T> => {
    const res = await fetch(`${url}/rpc/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(params),
    });
    const body = (await res.json()) as T & { error?: { message: string } };
    if (!res.ok) throw new Error(`${method}: ${body.error?.message ?? res.status}`);
    return body;
  };
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    tokens,
    rpc,
    stop: async (o = {}) => {
      await stopProcess(child, ['SIGTERM']);
      if (!opts.dataDir && !o.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface AgentProc {
  name: string;
  stop(): Promise<void>;
}

export async function startAgent(m: MasterProc, topic: string, name: string): Promise<AgentProc> {
  const child = spawn(process.execPath, [BIN, 'agent', '-t', topic, '--name', name], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, OURCI_URL: m.url, OURCI_TOKEN: m.tokens.agent },
  });
  child.stderr!.resume();
  // Ready once the master lists it; a test must not run on against an agent that never came.
  for (let i = 0; ; i++) {
    const { agents } = await m.rpc<{ agents: Array<{ name: string }> }>('Agent.List');
    if (agents.some((a) => a.name === name)) break;
    if (i >= 200) {
      child.kill('SIGKILL');
      throw new Error(`agent ${name} did not register with the master within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, stop: () => stopProcess(child, ['SIGTERM', 'SIGTERM']) };
}

/**
 * A script for `sh -c` that prints coloured lines, then waits (bounded) for `file` to exist.
 * The padding line pushes the coloured one past the agent's secret masker, which holds back
 * the last few dozen characters of output until more comes.
 */
export function gatedScript(file: string, exitCode = 0): string[] {
  return [
    'sh',
    '-c',
    `printf '\\033[32mgreen start\\033[0m plain \\033[1;31mbold red\\033[0m\\n'; printf 'waiting %0200d\\n' 0; ` +
      `for i in $(seq 1 1200); do [ -f '${file}' ] && break; sleep 0.05; done; echo "after the gate"; exit ${exitCode}`,
  ];
}

/** The page's globals these tests touch (this file compiles without the DOM library). */
export type PageGlobals = { localStorage: { setItem(k: string, v: string): void; getItem(k: string): string | null } };

/** Stores a token where the dashboard keeps it (as the login form does); null removes it. */
export async function setToken(page: Page, m: MasterProc, token: string): Promise<void> {
  await page.goto(`${m.url}/healthz`);
  await page.evaluate((t) => (globalThis as unknown as PageGlobals).localStorage.setItem('ourci.token', t), token);
}

export const signIn = setToken;

export function savedToken(page: Page): Promise<string | null> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.getItem('ourci.token'));
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

let built = false;
/** Builds the CLI bundle and the dashboard once per worker, so the tests run the current sources. */
export function buildOnce(): void {
  if (built) return;
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '-c', 'vite.dashboard.config.ts'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

export const test = base.extend<{ master: MasterProc }, { build: void }>({
  build: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      buildOnce();
      await use();
    },
    { scope: 'worker', auto: true },
  ],
  // eslint-disable-next-line no-empty-pattern
  master: async ({}, use) => {
    const m = await startMaster();
    await use(m);
    await m.stop();
  },
});

export { expect } from '@playwright/test';
