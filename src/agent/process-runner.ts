// Runs a task as a subprocess in its own process group (execa), streams its combined
// output, and ends it the way CI agents do: SIGTERM to the whole group, a grace period,
// then SIGKILL. Whatever the script left running in its group is killed when it exits.
import { StringDecoder } from 'node:string_decoder';
import { execa } from 'execa';

export type EndReason = 'exit' | 'timeout' | 'cancelled' | 'signal' | 'spawn-error' | 'lost';

export interface RunResult {
  exitCode: number;
  reason: EndReason;
  signal?: string;
  message?: string;
  durationMs: number;
}

export interface RunOptions {
  program: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL (default 10 s). */
  killGraceMs?: number;
  onOutput: (text: string) => void;
  /** Told the process group id once the process exists, and again (undefined) when it is gone. */
  onGroup?: (pgid: number | undefined) => void;
}

export class ProcessRun {
  readonly done: Promise<RunResult>;
  private stopReason: EndReason | null = null;
  private pid: number | undefined;
  private killTimer: NodeJS.Timeout | null = null;
  private output: NodeJS.ReadableStream | undefined;
  private outputPaused = false;
  private readonly graceMs: number;

  constructor(private readonly o: RunOptions) {
    this.graceMs = o.killGraceMs ?? 10_000;
    this.done = this.run();
  }

  /** Ends the run: SIGTERM to the group now, SIGKILL after the grace period. */
  stop(reason: EndReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.signalGroup('SIGTERM');
    this.killTimer = setTimeout(() => this.signalGroup('SIGKILL'), reason === 'lost' ? 0 : this.graceMs);
  }

  /** Stops reading the task's output until resumed: its writes block once the pipe is full. */
  pauseOutput(): void {
    this.outputPaused = true;
    this.output?.pause();
  }

  resumeOutput(): void {
    this.outputPaused = false;
    this.output?.resume();
  }

  private async run(): Promise<RunResult> {
    const started = Date.now();
    // StringDecoder rather than TextDecoder: same streaming UTF-8 decoding (a character split
    // across two reads is held back), but Node's TextDecoder costs ~20× more per byte, and a
    // task writing hundreds of MB of log spends most of the agent's CPU here otherwise.
    const decoder = new StringDecoder('utf8');
    const timer = setTimeout(() => this.stop('timeout'), this.o.timeoutMs);
    let child;
    try {
      child = execa(this.o.program, this.o.args, {
        cwd: this.o.cwd,
        env: this.o.env,
        extendEnv: false,
        detached: true,
        all: true,
        buffer: false,
        reject: false,
        stdin: 'ignore',
        encoding: 'buffer',
        cleanup: true,
      });
    } catch (err) {
      clearTimeout(timer);
      return { exitCode: 127, reason: 'spawn-error', message: (err as Error).message, durationMs: Date.now() - started };
    }
    this.pid = child.pid;
    if (this.pid !== undefined) this.o.onGroup?.(this.pid);
    if (this.stopReason) this.signalGroup('SIGTERM');
    child.all?.on('data', (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (text) this.o.onOutput(text);
    });
    this.output = child.all;
    if (this.outputPaused) this.output?.pause();
    // A background process that keeps the pipe open must not keep the task alive: once the
    // main process exits, the rest of its group goes too.
    child.once('exit', () => this.signalGroup('SIGKILL'));
    const r = await child;
    clearTimeout(timer);
    if (this.killTimer) clearTimeout(this.killTimer);
    this.o.onGroup?.(undefined);
    const tail = decoder.end();
    if (tail) this.o.onOutput(tail);
    const durationMs = Date.now() - started;
    const code = (r as { code?: string }).code;
    if (r.failed && r.exitCode === undefined && !r.signal) {
      return { exitCode: 127, reason: 'spawn-error', message: code === 'ENOENT' ? `command not found: ${this.o.program}` : r.shortMessage, durationMs };
    }
    if (this.stopReason) {
      return { exitCode: r.exitCode ?? 128 + signalNumber(r.signal), reason: this.stopReason, signal: r.signal ?? undefined, durationMs };
    }
    if (r.signal) return { exitCode: 128 + signalNumber(r.signal), reason: 'signal', signal: r.signal, durationMs };
    return { exitCode: r.exitCode ?? 1, reason: 'exit', durationMs };
  }

  private signalGroup(sig: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      // the group is already gone
    }
  }
}

function signalNumber(sig: string | undefined | null): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6, SIGPIPE: 13 };
  return sig ? (table[sig] ?? 0) : 0;
}
