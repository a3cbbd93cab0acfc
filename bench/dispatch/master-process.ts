// A real master for the dispatch benchmark: `bin/ourci master --port 0` in a fresh data
// directory, started as its own process (optionally under `node --cpu-prof`), its tokens read
// from the data directory, its RSS sampled from /proc, and stopped (SIGTERM, then SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeapProbe } from './heap-probe';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The checkout whose built CLI runs the master and the `ourci agent` processes (--build). */
let buildRoot = ROOT;
export function useBuild(dir: string): void {
  buildRoot = dir;
}
export const ourciBin = (): string => join(buildRoot, 'bin/ourci');

export interface MasterProcess {
  url: string;
  pid: number;
  dataDir: string;
  tokens: { admin: string; agent: string; viewer: string };
  /** Resident set size now, in bytes (VmRSS). */
  rss(): number;
  /** CPU seconds (user + system) used so far. */
  cpuSeconds(): number;
  /** Heap in use after a full GC (bytes), when started with `inspect`. */
  liveHeap?: () => Promise<number>;
  stop(): Promise<void>;
}

export interface MasterOptions {
  fanoutCap: number;
  /** Directory for a V8 CPU profile of the master (written when it stops). */
  cpuProfDir?: string;
  /** Open the V8 inspector on loopback, to measure the live heap. */
  inspect?: boolean;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Kills `child` if this process exits first, so a failed run leaves nothing behind. */
export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * Waits for a child's stdout or stderr to match `line` (its "ready" line); kills it and fails
 * with the tail of its output if it exits or takes longer than `timeoutMs`. Afterwards its
 * output keeps being drained, so a chatty server never blocks on a full pipe.
 */
export async function waitForLine(
  child: ChildProcess,
  line: RegExp,
  label: string,
  timeoutMs: number,
): Promise<{ match: RegExpMatchArray; output: string }> {
  let output = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${label} did not start in time:\n${output.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = output.match(line);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => fail(new Error(`cannot start ${label}: ${err.message}`)));
    child.once('exit', (code) => fail(new Error(`${label} exited with ${code}:\n${output.slice(-2000)}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { match, output };
}

export async function startMaster(o: MasterOptions): Promise<MasterProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ourci-bench-dispatch-'));
  const nodeArgs = [...(o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : []), ...(o.inspect ? ['--inspect=127.0.0.1:0'] : [])];
  const child = spawn(
    process.execPath,
    [...nodeArgs, ourciBin(), 'master', '--port', '0', '--data', dataDir, '--max-tasks-per-job', String(o.fanoutCap)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() },
  );
  track(child);
  const { match, output } = await waitForLine(child, /^listening on (http:\/\/\S+)$/m, 'master', 20_000);
  const url = match[1]!;
  const token = (name: string): string => readFileSync(join(dataDir, `${name}.token`), 'utf8').trim();
  const pid = child.pid!;
  const inspector = o.inspect ? /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1] : undefined;
  if (o.inspect && !inspector) throw new Error(`the master did not open its inspector:\n${output.slice(-2000)}`);
  const probe = inspector ? new HeapProbe(inspector) : undefined;
  return {
    url,
    pid,
    dataDir,
    tokens: { admin: token('admin'), agent: token('agent'), viewer: token('viewer') },
    rss: () => rssOf(pid),
    cpuSeconds: () => cpuSecondsOf(pid),
    liveHeap: probe && (() => probe.liveHeap()),
    stop: async () => {
      probe?.close();
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** This process's environment without OurCI settings that would steer a child elsewhere. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('OURCI_')) delete env[k];
  return env;
}

export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function cpuSecondsOf(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
