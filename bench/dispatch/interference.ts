// Does log ingestion slow dispatch? The no-op lifecycle on one topic, in phases that
// alternate without and with N tasks writing logs on another (paused in between, never
// restarted): without, with, without, with, without. Alternating within one run on one master
// keeps the machine's drift (this machine is shared) out of the ratio.
import type { MasterClient } from '../../src/client/master-client';
import { fanOut, type FanOutOptions, type FanOutResult } from './fan-out';
import type { NoopFleet } from './fleet';
import { startWriters } from './log-ingest';
import type { MasterProcess } from './master-process';

export interface InterferenceResult {
  /** No-op tasks per second, mean of the phases without writers, and with. */
  without: number;
  with: number;
  ratio: number;
  /** Log bytes per second reaching the master's disk during the phases with writers. */
  writerMBps: number;
  /** Share of one core the master used, without and with writers. */
  masterBusy: { without: number; with: number };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const busy = (r: FanOutResult): number => (r.cpuUsPerTask * r.tasks) / 1e6 / r.seconds;

export async function interference(
  m: MasterProcess,
  fleet: NoopFleet,
  admin: MasterClient,
  agent: MasterClient,
  o: FanOutOptions & { writers: number; writerTopic: string; mbps: number; tmp: string; tag: string },
): Promise<InterferenceResult> {
  const writers = await startWriters(m, admin, { topic: o.writerTopic, n: o.writers, mbps: o.mbps, tmp: o.tmp, tag: o.tag });
  try {
    const phase = (): Promise<FanOutResult> => fanOut(m, fleet, admin, agent, o);
    await phase(); // warm-up
    const without: FanOutResult[] = [await phase()];
    const withWriters: FanOutResult[] = [];
    let logBytes = 0;
    for (let i = 0; i < 2; i++) {
      await writers.resume();
      const before = writers.bytes();
      const r = await phase();
      logBytes += writers.bytes() - before;
      withWriters.push(r);
      await writers.pause();
      without.push(await phase());
    }
    const a = mean(without.map((r) => r.tasksPerSecond));
    const b = mean(withWriters.map((r) => r.tasksPerSecond));
    return {
      without: a,
      with: b,
      ratio: a / b,
      writerMBps: logBytes / 1e6 / withWriters.reduce((s, r) => s + r.seconds, 0),
      // Below 100 % while dispatch slows: the other processes here (the writers and their
      // agents among them) had the CPU, not the master's own log work.
      masterBusy: { without: mean(without.map(busy)), with: mean(withWriters.map(busy)) },
    };
  } finally {
    await writers.stop();
  }
}
