// One job that fans out N no-op tasks the way a root task's script does: the benchmark takes
// the root task itself (pull + Task.Start on its own topic), spawns every child with the
// attempt's token (a window of calls in flight), finishes the root, and waits for the job.
// Times spawn of the first child → job complete, sampling the master's RSS on the way.
import { connectMaster, type MasterClient } from '../../src/client/master-client';
import type { NoopFleet } from './fleet';
import type { MasterProcess } from './master-process';

export interface FanOutResult {
  tasks: number;
  seconds: number;
  tasksPerSecond: number;
  /** Seconds until the last child was spawned. */
  spawnSeconds: number;
  /** Master CPU time per task, in microseconds. */
  cpuUsPerTask: number;
  /** RSS (bytes) before the job, at 25/50/75/100 % of the children done, and the peak. */
  rss: { baseline: number; at: number[]; peak: number };
  /** Largest backlog (spawned − done) seen while sampling. */
  maxBacklog: number;
  /** With `liveHeap`: heap in use after a full GC, before the job and at 25/50/75/100 %. */
  heap?: { baseline: number; at: number[] };
}

export interface FanOutOptions {
  tasks: number;
  topic: string;
  window: number;
  /** Most children spawned but not yet done (0: no limit): a root task that spawns as fast as it
   * can would otherwise measure the memory of a queue, not of tasks done. */
  backlog: number;
  sampleMs?: number;
  /** Measures the master's live heap at the progress marks (forces GCs: not for timing runs). */
  liveHeap?: () => Promise<number>;
}

let runs = 0;

export async function fanOut(m: MasterProcess, fleet: NoopFleet, admin: MasterClient, agent: MasterClient, o: FanOutOptions): Promise<FanOutResult> {
  const rootTopic = `bench/root-${++runs}`;
  const { job } = await admin.call('Job.Create', { topic: rootTopic, args: ['noop-root'], name: 'bench root' });
  const got = await agent.call('PubSub.Pull', { subscriptions: [rootTopic], maxMessages: 1, waitSeconds: 10 });
  const root = got.receivedMessages[0];
  if (!root) throw new Error('the root task was not delivered');
  const start = await agent.call('Task.Start', { ackId: root.ackId, agent: 'bench-spawner' });
  const spawner = connectMaster(m.url, start.token, { name: 'bench-spawner' });
  await spawner.ready();

  const doneBefore = fleet.done();
  const heapBaseline = o.liveHeap ? await o.liveHeap() : NaN;
  const heapAt: Array<Promise<number>> = [];
  const baseline = m.rss();
  const marks = [0.25, 0.5, 0.75];
  const at: number[] = [];
  let peak = baseline;
  let spawned = 0;
  let maxBacklog = 0;
  const sample = (): void => {
    const rss = m.rss();
    peak = Math.max(peak, rss);
    const done = fleet.done() - doneBefore;
    maxBacklog = Math.max(maxBacklog, spawned - done);
    while (at.length < marks.length && done >= marks[at.length]! * o.tasks) {
      at.push(rss);
      if (o.liveHeap) heapAt.push(o.liveHeap());
    }
  };
  const sampler = setInterval(sample, o.sampleMs ?? 50);

  const cpu0 = m.cpuSeconds();
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.tasks) {
      if (o.backlog > 0 && next - (fleet.done() - doneBefore) >= o.backlog) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      next++;
      await spawner.call('Task.Spawn', { topic: o.topic, args: ['noop'], name: 'noop' }, { timeoutMs: 60_000 });
      spawned++;
    }
  };
  await Promise.all(Array.from({ length: o.window }, worker));
  const spawnSeconds = (performance.now() - t0) / 1000;
  await agent.call('Task.Finish', { ackId: root.ackId, exitCode: 0 });
  spawner.close();
  for (;;) {
    const j = (await admin.call('Job.Wait', { job, waitSeconds: 60 }, { timeoutMs: 90_000 })).job;
    if (j.finished) {
      if (j.status !== 'success' || j.tasksDone !== o.tasks + 1) throw new Error(`job ${job} ended ${j.status} with ${j.tasksDone} tasks done`);
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = m.cpuSeconds() - cpu0;
  clearInterval(sampler);
  sample();
  while (at.length < marks.length) at.push(NaN);
  const final = m.rss();
  peak = Math.max(peak, final);
  at.push(final);
  const heap = o.liveHeap ? { baseline: heapBaseline, at: [...(await Promise.all(heapAt)), await o.liveHeap()] } : undefined;
  return {
    tasks: o.tasks,
    seconds,
    tasksPerSecond: o.tasks / seconds,
    spawnSeconds,
    cpuUsPerTask: (cpu / o.tasks) * 1e6,
    rss: { baseline, at, peak },
    maxBacklog,
    ...(heap ? { heap } : {}),
  };
}
