// Log benchmarks. One task (a real `ourci agent`, a real subprocess) writes N bytes to stdout:
// time from its first write to the last byte in the master's log file on disk. And writer
// tasks that can be paused and resumed, for the interference test (interference.ts).
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MasterClient } from '../../src/client/master-client';
import { cpuSecondsOf, ROOT, type MasterProcess } from './master-process';

const WRITER = join(ROOT, 'bench/dispatch/log-writer.mjs');
const START_LINE = 'BENCH-PAYLOAD-START';

export interface IngestResult {
  bytes: number;
  seconds: number;
  mbPerSecond: number;
  peakRss: number;
  /** CPU milliseconds per MB written, of the master and of the agent process. */
  masterCpuPerMb: number;
  agentCpuPerMb: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The task's script: the log writer under this very node. */
export function writerArgs(o: { bytes: number; mbps?: number; mark?: string; stop?: string; pause?: string }): string[] {
  const args = [process.execPath, WRITER, '--bytes', String(o.bytes)];
  if (o.mbps) args.push('--mbps', String(o.mbps));
  if (o.mark) args.push('--mark', o.mark);
  if (o.stop) args.push('--stop', o.stop);
  if (o.pause) args.push('--pause', o.pause);
  return args;
}

/** Where the payload starts in attempt 1's log file (after the agent's header lines), once it is there. */
async function payloadStart(file: string, deadline: number): Promise<number> {
  const buf = Buffer.alloc(8192);
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const fd = openSync(file, 'r');
      const n = readSync(fd, buf, 0, buf.length, 0);
      closeSync(fd);
      const i = buf.subarray(0, n).indexOf(START_LINE);
      if (i >= 0) return i;
    }
    await sleep(2);
  }
  throw new Error(`the payload never reached ${file}`);
}

export async function ingest(
  m: MasterProcess,
  admin: MasterClient,
  o: { topic: string; bytes: number; tmp: string; run: number; agentPid: number },
): Promise<IngestResult> {
  const mark = join(o.tmp, `mark-${o.run}`);
  const cpu0 = { master: m.cpuSeconds(), agent: cpuSecondsOf(o.agentPid) };
  let peak = m.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, m.rss())), 20);
  try {
    const { job, task } = await admin.call('Job.Create', { topic: o.topic, args: writerArgs({ bytes: o.bytes, mark }), name: 'log writer' });
    const file = join(m.dataDir, 'logs', task, '1.log');
    const deadline = Date.now() + 300_000;
    const expected = (await payloadStart(file, deadline)) + o.bytes;
    let end = 0;
    while (Date.now() < deadline) {
      if (statSync(file).size >= expected) {
        end = performance.timeOrigin + performance.now();
        break;
      }
      await sleep(2);
    }
    if (!end) throw new Error('the log never reached its full size');
    const started = Number(readFileSync(mark, 'utf8'));
    const j = (await admin.call('Job.Wait', { job, waitSeconds: 60 }, { timeoutMs: 90_000 })).job;
    if (j.status !== 'success') throw new Error(`log writer job ended ${j.status}`);
    const seconds = (end - started) / 1000;
    const mbs = o.bytes / 1e6;
    return {
      bytes: o.bytes,
      seconds,
      mbPerSecond: mbs / seconds,
      peakRss: Math.max(peak, m.rss()),
      masterCpuPerMb: ((m.cpuSeconds() - cpu0.master) * 1000) / mbs,
      agentCpuPerMb: ((cpuSecondsOf(o.agentPid) - cpu0.agent) * 1000) / mbs,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** Starts `n` writer tasks (each its own job) and resolves once every one has written. */
export interface Writers {
  /** Bytes in the writers' logs on the master's disk now. */
  bytes(): number;
  /** Stops their output and resolves once nothing more reaches the disk. */
  pause(): Promise<void>;
  /** Lets them write again and resolves once their output reaches the disk. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `n` writer tasks (each its own job), paused once every one has written. */
export async function startWriters(
  m: MasterProcess,
  admin: MasterClient,
  o: { topic: string; n: number; mbps: number; tmp: string; tag: string },
): Promise<Writers> {
  const stopFile = join(o.tmp, `stop-${o.tag}`);
  const pauseFile = join(o.tmp, `pause-${o.tag}`);
  const jobs: Array<{ job: string; task: string }> = [];
  for (let i = 0; i < o.n; i++) {
    const args = writerArgs({ bytes: 0, mbps: o.mbps, stop: stopFile, pause: pauseFile });
    jobs.push(await admin.call('Job.Create', { topic: o.topic, args, name: `writer ${i}` }));
  }
  const deadline = Date.now() + 60_000;
  for (const { task } of jobs) await payloadStart(join(m.dataDir, 'logs', task, '1.log'), deadline);
  const files = jobs.map(({ task }) => join(m.dataDir, 'logs', task, '1.log'));
  const bytes = (): number => files.reduce((n, f) => n + statSync(f).size, 0);
  const settle = async (moving: boolean): Promise<void> => {
    const until = Date.now() + 30_000;
    for (let last = bytes(); Date.now() < until; ) {
      await sleep(moving ? 20 : 100);
      const now = bytes();
      if (moving ? now > last : now === last) return;
      last = now;
    }
    throw new Error(`the writers did not ${moving ? 'start' : 'stop'} writing`);
  };
  const w: Writers = {
    bytes,
    async pause() {
      writeFileSync(pauseFile, '');
      await settle(false);
    },
    async resume() {
      rmSync(pauseFile, { force: true });
      await settle(true);
    },
    async stop() {
      writeFileSync(stopFile, '');
      rmSync(pauseFile, { force: true });
      for (const { job } of jobs) {
        const j = (await admin.call('Job.Wait', { job, waitSeconds: 60 }, { timeoutMs: 90_000 })).job;
        if (j.status !== 'success') throw new Error(`writer job ${job} ended ${j.status}`);
      }
    },
  };
  await w.pause();
  return w;
}
