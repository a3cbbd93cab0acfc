// `bin/ourci` as a real child process: a master that can be SIGKILLed and restarted on the
// same data directory, and one-shot CLI runs. dist/ is built by global-setup.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { onTestFinished } from 'vitest';
import { tempDir } from './master';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = `${ROOT}bin/ourci`;

/** The environment of a child: PATH and a fresh HOME only, so the developer's OURCI_* and
 * config files never leak in. */
export function cleanEnv(home: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface ChildMaster {
  url: string;
  port: number;
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: the crash we test durability against. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnMasterOptions {
  /** Passed as --data; leave out to test OURCI_DATA. */
  dataDir?: string;
  /** Passed as --port (default 0); null leaves it out to test OURCI_PORT. */
  port?: number | null;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Starts `ourci master` and resolves once it printed `listening on http://HOST:PORT`. */
export function spawnMaster(o: SpawnMasterOptions): Promise<ChildMaster> {
  const args = [BIN, 'master', ...(o.port === null ? [] : ['--port', String(o.port ?? 0)]), ...(o.dataDir ? ['--data', o.dataDir] : []), ...(o.args ?? [])];
  const home = tempDir('ourci-home-');
  const proc = spawn(process.execPath, args, { cwd: home, env: cleanEnv(home, o.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  onTestFinished(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`master did not print its address within ${o.timeoutMs ?? 20_000} ms\n${out}\n${err}`));
    }, o.timeoutMs ?? 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening on (http:\/\/\S+):(\d+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: `${m[1]}:${m[2]}`,
        port: Number(m[2]),
        proc,
        stdout: () => out,
        stderr: () => err,
        exited,
        kill: async () => {
          proc.kill('SIGKILL');
          await exited;
        },
        stop: async () => {
          proc.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`master exited (${code ?? signal}) before listening\n${out}\n${err}`));
    });
  });
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/ourci ARGS…` to completion with a clean environment, in a fresh directory. */
export async function runCli(
  args: string[],
  o: { env?: Record<string, string>; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  const home = o.cwd ?? tempDir('ourci-home-');
  const r = await execa(process.execPath, [BIN, ...args], {
    cwd: home,
    env: cleanEnv(home, o.env),
    extendEnv: false,
    reject: false,
    input: o.input ?? '',
    timeout: o.timeoutMs ?? 30_000,
    stripFinalNewline: false,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
