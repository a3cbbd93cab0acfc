// Real OurCI processes for integration tests: `bin/ourci master` and `bin/ourci agent` as
// child processes with their output collected, SIGKILL and restart on the same data
// directory and port, and a sweep at the end of every test that kills whatever they left
// behind (task process groups outlive a SIGKILLed agent, as they would in production).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { OurciError } from '../../src/shared/errors';
import { httpCall } from '../../src/shared/rpc/http-call';
import type { MethodName, Params, Result } from '../../src/shared/rpc/catalog';
import { tempDir, waitFor } from './master';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'ourci');

/** Every process started here carries this in its environment, and so do its descendants. */
const MARKER_NAME = 'OURCI_E2E_RUN';
const MARKER = `${process.pid}-${randomBytes(4).toString('hex')}`;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process whose stdout and stderr are collected (also interleaved, in `output`). */
export class Proc {
  stdout = '';
  stderr = '';
  output = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
      this.output += s;
    });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
      this.output += s;
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      child.once('error', (err) => {
        this.output += `\n[spawn error: ${err.message}]\n`;
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** Waits until the output matches; fails with the output so far if the process exits first. */
  async waitForOutput(pattern: RegExp | string, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    let exitedAt: number | null = null;
    try {
      return await waitFor(
        () => {
          const m = re.exec(this.output);
          if (m) return m;
          // Give the pipes a moment to deliver what the process wrote before it exited.
          if (!this.alive && (exitedAt ??= Date.now()) < Date.now() - 200) throw new Error('exited');
          return null;
        },
        timeoutMs,
        `${this.name} to print ${re}`,
      );
    } catch (err) {
      const why = (err as Error).message === 'exited' ? `${this.name} exited (${JSON.stringify(this.exit)})` : (err as Error).message;
      throw new Error(`${why} before printing ${re}; its output:\n${this.output.slice(-4000)}`);
    }
  }

  /** Sends a signal (default SIGKILL) and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
}

/** A clean environment for children: no developer tokens or config leak in; node on PATH. */
function childEnv(cwd: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    HOME: cwd,
    LANG: 'C.UTF-8',
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    [MARKER_NAME]: MARKER,
    ...extra,
  };
}

/** Starts `bin/ourci ARGS…`; killed (and everything it left) when the test finishes. */
export function spawnOurci(name: string, args: string[], o: SpawnOptions = {}): Proc {
  const cwd = o.cwd ?? tempDir('ourci-e2e-cwd-');
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: childEnv(cwd, o.env), stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new Proc(name, child);
  onTestFinished(async () => {
    await proc.kill('SIGKILL');
  });
  registerSweep();
  return proc;
}

/** Runs `bin/ourci ARGS…` to completion. */
export async function runOurci(args: string[], o: SpawnOptions & { timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawnOurci(`ourci ${args[0]}`, args, o);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { code: exit.code, stdout: proc.stdout, stderr: proc.stderr };
}

export interface Tokens {
  admin: string;
  agent: string;
  viewer: string;
}

/** A master running as `bin/ourci master`, restartable on the same data directory and port. */
export class MasterProcess {
  proc!: Proc;
  url = '';
  port = 0;
  tokens!: Tokens;
  private generation = 0;

  private constructor(
    readonly dataDir: string,
    private readonly extraArgs: string[],
    private readonly env: Record<string, string>,
  ) {}

  static async start(o: { dataDir?: string; port?: number; args?: string[]; env?: Record<string, string> } = {}): Promise<MasterProcess> {
    const m = new MasterProcess(o.dataDir ?? tempDir('ourci-e2e-data-'), o.args ?? [], o.env ?? {});
    await m.launch(o.port ?? 0);
    return m;
  }

  private async launch(port: number): Promise<void> {
    this.generation++;
    this.proc = spawnOurci(`master#${this.generation}`, ['master', '--port', String(port), '--data', this.dataDir, ...this.extraArgs], { env: this.env });
    const m = await this.proc.waitForOutput(/^listening on (http:\/\/\S+)$/m, 30_000);
    this.url = m[1]!;
    this.port = Number(new URL(this.url).port);
    const read = (f: string): string => readFileSync(join(this.dataDir, `${f}.token`), 'utf8').trim();
    this.tokens = { admin: read('admin'), agent: read('agent'), viewer: read('viewer') };
  }

  /** SIGKILL: no goodbye, no flush beyond what the master already committed. */
  async crash(): Promise<void> {
    await this.proc.kill('SIGKILL');
  }

  /** Starts again on the same data directory and port (after `crash` or a clean stop). */
  async restart(): Promise<void> {
    if (this.proc.alive) await this.crash();
    await this.launch(this.port);
  }

  /** An RPC through `POST /rpc/<Method>` with the admin token (or another one). */
  call<K extends MethodName>(method: K, params: Params<K>, token = this.tokens.admin): Promise<Result<K>> {
    return httpCall<Result<K>>(this.url, token, method, params, { timeoutMs: 70_000 });
  }

  /** Like `call`, but resolves with the error code (or 0 on success): for refusals. */
  async refusal(method: MethodName, params: unknown, token: string): Promise<number> {
    try {
      await httpCall(this.url, token, method, params, { timeoutMs: 30_000 });
      return 0;
    } catch (err) {
      if (err instanceof OurciError) return err.code;
      throw err;
    }
  }
}

export interface AgentOptions {
  topics: string[];
  name: string;
  exec?: string;
  timeout?: string;
  args?: string[];
  env?: Record<string, string>;
}

/** Starts `bin/ourci agent` against `master`; resolves once it pulls. */
export async function startAgent(master: MasterProcess, o: AgentOptions): Promise<Proc> {
  const args = ['agent', '--name', o.name, ...o.topics.flatMap((t) => ['-t', t])];
  if (o.exec) args.push('--exec', o.exec);
  if (o.timeout) args.push('--timeout', o.timeout);
  args.push('--work-dir', tempDir('ourci-e2e-work-'));
  const proc = spawnOurci(`agent ${o.name}`, [...args, ...(o.args ?? [])], {
    env: { OURCI_URL: master.url, OURCI_AGENT_TOKEN: master.tokens.agent, ...o.env },
  });
  await proc.waitForOutput(`agent ${o.name}: pulling`);
  return proc;
}

/** Pids of live processes carrying this run's marker (agents' tasks and their children). */
export function markedPids(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (env.includes(`\0${MARKER_NAME}=${MARKER}\0`) || env.startsWith(`${MARKER_NAME}=${MARKER}\0`)) out.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return out;
}

/** True while `pid` exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

let sweepRegistered = false;

/** Once per test: after its processes are killed, kill whatever their tasks left running. */
function registerSweep(): void {
  if (sweepRegistered) return;
  sweepRegistered = true;
  onTestFinished(async () => {
    sweepRegistered = false;
    const pids = markedPids();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Gone before the temporary directories they write into are removed.
    await waitFor(() => pids.every((p) => !isAlive(p)), 10_000, 'leftover processes to die');
  });
}
