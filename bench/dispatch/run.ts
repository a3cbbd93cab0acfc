// `npm run bench:dispatch`: task dispatch and log ingestion against a real master process
// (bin/ourci master), issue 3's performance goals. See bench/README.md ("dispatch").
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectMaster, type MasterClient } from '../../src/client/master-client';
import { fanOut, type FanOutResult } from './fan-out';
import { startCliAgent, startNoopFleet, type ChildProcess } from './fleet';
import { interference, type InterferenceResult } from './interference';
import { ingest, type IngestResult } from './log-ingest';
import { ROOT, startMaster, stopChild, useBuild, type MasterProcess } from './master-process';
import { consoleTable, machineConditions, markdownTable, mb, type Row } from './report';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    tasks: { type: 'string', default: '10000' },
    agents: { type: 'string', default: '16' },
    window: { type: 'string', default: '64' },
    backlog: { type: 'string', default: '2000' },
    protocol: { type: 'string', default: 'next' },
    'ack-deadline': { type: 'string', default: '0' },
    build: { type: 'string' },
    'log-mb': { type: 'string', default: '200' },
    writers: { type: 'string', default: '10' },
    'writer-mbps': { type: 'string', default: '0' },
    'interference-tasks': { type: 'string', default: '3000' },
    only: { type: 'string', default: 'lifecycle,ingest,interference' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (flags.help) {
  process.stdout.write(`usage: npm run bench:dispatch -- [options]
  --runs N                runs of each scenario (default 3)
  --tasks N               tasks of the fan-out job: lifecycle rate and memory (default 10000)
  --agents N              no-op agents, one connection each, in one process (default 16)
  --window N              Task.Spawn calls the spawner keeps in flight (default 64)
  --backlog N             most children spawned and not yet done, 0 = no limit (default 2000)
  --protocol P            what the no-op agents speak: next (Task.Next, as src/agent does; default)
                          or classic (PubSub.Pull, Task.Start, Task.Finish)
  --ack-deadline S        the no-op topic's lease in seconds (default: the subscription default, 60)
  --build DIR             another checkout (built) whose bin/ourci runs the master and the agents,
                          to compare versions with the same benchmark (it needs --max-tasks-per-job)
  --log-mb N              megabytes (10^6) the single log task writes (default 200)
  --writers N             log-writing tasks during the interference test (default 10)
  --writer-mbps R         each writer's rate in MB/s, 0 = as fast as it goes (default 0)
  --interference-tasks N  no-op tasks per phase of the interference test (default 3000)
  --only a,b              subset of lifecycle,ingest,interference
  --quick                 one run, 2000 tasks, 50 MB log, 1000 interference tasks
  --profile               CPU profiles of the master and the no-op agents in bench/.runs/profiles
  --out FILE              results file (default bench/results/dispatch.md for the full workload,
                          bench/.runs/dispatch.md otherwise)
`);
  process.exit(0);
}

const int = (name: keyof typeof flags, quick?: number): number => {
  if (flags.quick && quick !== undefined) return quick;
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
};
const RUNS = int('runs', 1);
const TASKS = int('tasks', 2000);
const AGENTS = int('agents');
const WINDOW = int('window');
const BACKLOG = int('backlog');
const ACK_DEADLINE = int('ack-deadline');
if (flags.build) useBuild(flags.build);
const PROTOCOL = flags.protocol === 'classic' ? 'classic' : 'next';
if (flags.protocol !== PROTOCOL) throw new Error('--protocol must be next or classic');
const LOG_BYTES = int('log-mb', 50) * 1e6;
const WRITERS = int('writers');
const WRITER_MBPS = int('writer-mbps');
const INTERFERENCE = int('interference-tasks', 1000);
const only = new Set(flags.only!.split(','));
const full = !flags.quick && RUNS >= 3 && TASKS === 10000 && LOG_BYTES === 200e6 && WRITERS === 10 && INTERFERENCE === 3000 && BACKLOG === 2000 && PROTOCOL === 'next' && ACK_DEADLINE === 0 && !flags.build && only.size === 3;
const RUNS_DIR = join(ROOT, 'bench/.runs');
const outFile = flags.out ?? (full ? join(ROOT, 'bench/results/dispatch.md') : join(RUNS_DIR, 'dispatch.md'));
const profDir = flags.profile ? join(RUNS_DIR, 'profiles') : undefined;
if (profDir) mkdirSync(profDir, { recursive: true });

const tmp = mkdtempSync(join(tmpdir(), 'ourci-bench-dispatch-run-'));
const conditionsBefore = machineConditions();
const log = (s: string): void => void process.stdout.write(`${s}\n`);

/** A master with the clients every scenario needs; everything is stopped by `close`. */
async function withMaster<T>(
  fn: (m: MasterProcess, admin: MasterClient, agent: MasterClient, children: ChildProcess[]) => Promise<T>,
  inspect = false,
): Promise<T> {
  const m = await startMaster({ fanoutCap: Math.max(TASKS, INTERFERENCE) + 10, cpuProfDir: profDir, inspect });
  const admin = connectMaster(m.url, m.tokens.admin, { name: 'bench-admin' });
  const agent = connectMaster(m.url, m.tokens.agent, { name: 'bench-root-agent' });
  const children: ChildProcess[] = [];
  try {
    await Promise.all([admin.ready(), agent.ready()]);
    if (ACK_DEADLINE > 0) {
      await admin.call('PubSub.CreateTopic', { name: 'bench/noop' });
      await admin.call('PubSub.UpdateSubscription', { name: 'bench/noop', ackDeadlineSeconds: ACK_DEADLINE });
    }
    return await fn(m, admin, agent, children);
  } finally {
    admin.close();
    agent.close();
    await Promise.all(children.map((c) => stopChild(c, 5000)));
    await m.stop();
  }
}

const lifecycle: FanOutResult[] = [];
const memory: FanOutResult[] = [];
const ingests: IngestResult[] = [];
const interferences: InterferenceResult[] = [];

for (let run = 1; run <= RUNS; run++) {
  if (only.has('lifecycle')) {
    const lifecycle_ = await withMaster(async (m, admin, agent) => {
      const fleet = await startNoopFleet({ url: m.url, token: m.tokens.agent, topic: 'bench/noop', agents: AGENTS, protocol: PROTOCOL, cpuProfDir: profDir });
      try {
        const job = { topic: 'bench/noop', window: WINDOW, backlog: BACKLOG };
        await fanOut(m, fleet, admin, agent, { ...job, tasks: Math.min(1000, TASKS) }); // warm-up
        const timed = await fanOut(m, fleet, admin, agent, { ...job, tasks: TASKS });
        // The same job again, with the live heap measured at each mark (forced GCs: not timed).
        return [timed, await fanOut(m, fleet, admin, agent, { ...job, tasks: TASKS, liveHeap: m.liveHeap })] as const;
      } finally {
        await fleet.stop();
      }
    }, true);
    const [r, mem] = lifecycle_;
    lifecycle.push(r);
    memory.push(mem);
    log(
      `run ${run} lifecycle: ${r.tasks} tasks in ${r.seconds.toFixed(2)} s = ${r.tasksPerSecond.toFixed(0)} tasks/s ` +
        `(spawned in ${r.spawnSeconds.toFixed(2)} s, master CPU ${r.cpuUsPerTask.toFixed(0)} µs per task, max backlog ${r.maxBacklog}); ` +
        `RSS MiB ${[r.rss.baseline, ...r.rss.at].map((b) => mb(b).toFixed(1)).join(' → ')}, peak ${mb(r.rss.peak).toFixed(1)}; ` +
        `live heap MiB ${[mem.heap!.baseline, ...mem.heap!.at].map((b) => mb(b).toFixed(2)).join(' → ')}`,
    );
  }
  if (only.has('ingest')) {
    const r = await withMaster(async (m, admin, _agent, children) => {
      const agentProcess = await startCliAgent({ url: m.url, token: m.tokens.agent, topic: 'bench/log', name: 'bench-log', cpuProfDir: profDir });
      children.push(agentProcess);
      return ingest(m, admin, { topic: 'bench/log', bytes: LOG_BYTES, tmp, run, agentPid: agentProcess.pid! });
    });
    ingests.push(r);
    log(
      `run ${run} ingest: ${LOG_BYTES / 1e6} MB in ${r.seconds.toFixed(2)} s = ${r.mbPerSecond.toFixed(1)} MB/s; master peak RSS ${mb(r.peakRss).toFixed(1)} MiB; ` +
        `CPU per MB: master ${r.masterCpuPerMb.toFixed(1)} ms, agent ${r.agentCpuPerMb.toFixed(1)} ms`,
    );
  }
  if (only.has('interference')) {
    const r = await withMaster(async (m, admin, agent, children) => {
      const fleet = await startNoopFleet({ url: m.url, token: m.tokens.agent, topic: 'bench/noop', agents: AGENTS, protocol: PROTOCOL, cpuProfDir: profDir });
      try {
        const agents = Array.from({ length: WRITERS }, (_, i) =>
          startCliAgent({ url: m.url, token: m.tokens.agent, topic: 'bench/logs', name: `bench-writer-${i}`, cpuProfDir: profDir }),
        );
        children.push(...(await Promise.all(agents)));
        return await interference(m, fleet, admin, agent, {
          tasks: INTERFERENCE,
          topic: 'bench/noop',
          window: WINDOW,
          backlog: BACKLOG,
          writers: WRITERS,
          writerTopic: 'bench/logs',
          mbps: WRITER_MBPS,
          tmp,
          tag: `r${run}`,
        });
      } finally {
        await fleet.stop();
      }
    });
    interferences.push(r);
    log(
      `run ${run} interference: ${r.without.toFixed(0)} tasks/s without writers, ${r.with.toFixed(0)} with ${WRITERS} writers ` +
        `(${r.writerMBps.toFixed(1)} MB/s of logs) = ${r.ratio.toFixed(2)}× slower; ` +
        `master busy ${(100 * r.masterBusy.without).toFixed(0)} % / ${(100 * r.masterBusy.with).toFixed(0)} % of a core without / with`,
    );
  }
}
rmSync(tmp, { recursive: true, force: true });

const rows: Row[] = [];
if (lifecycle.length) {
  const rss = (f: (r: FanOutResult) => number): number[] => lifecycle.map((r) => mb(f(r)));
  rows.push(
    { label: `lifecycle, ${AGENTS} no-op agents (${PROTOCOL}), ${TASKS} tasks in one job`, unit: 'tasks/s', values: lifecycle.map((r) => r.tasksPerSecond), goal: { kind: 'min', value: 2000 } },
    { label: 'spawn phase alone', unit: 'tasks/s', values: lifecycle.map((r) => r.tasks / r.spawnSeconds) },
    { label: 'master CPU per task', unit: 'µs', values: lifecycle.map((r) => r.cpuUsPerTask) },
    { label: 'master RSS before the job', unit: 'MiB', values: rss((r) => r.rss.baseline), digits: 1 },
    ...[25, 50, 75, 100].map((p, i): Row => ({ label: `master RSS at ${p} % done`, unit: 'MiB', values: rss((r) => r.rss.at[i]!), digits: 1 })),
    { label: 'master RSS peak', unit: 'MiB', values: rss((r) => r.rss.peak), digits: 1 },
    { label: 'RSS growth from 25 % to 100 % done', unit: 'MiB', values: rss((r) => Math.max(...r.rss.at.slice(1)) - r.rss.at[0]!), digits: 1 },
    ...[0, 25, 50, 75, 100].map(
      (p, i): Row => ({
        label: p === 0 ? 'same job again: live heap (after a full GC) before it' : `live heap at ${p} % done`,
        unit: 'MiB',
        values: memory.map((r) => mb(i === 0 ? r.heap!.baseline : r.heap!.at[i - 1]!)),
        digits: 2,
      }),
    ),
    {
      label: 'live heap growth from 25 % to 100 % done',
      unit: 'MiB',
      values: memory.map((r) => mb(Math.max(...r.heap!.at.slice(1)) - r.heap!.at[0]!)),
      goal: { kind: 'max', value: 1 },
      digits: 2,
    },
  );
}
if (ingests.length) {
  rows.push(
    { label: `log ingestion, ${LOG_BYTES / 1e6} MB from one task, first byte → on disk`, unit: 'MB/s', values: ingests.map((r) => r.mbPerSecond), goal: { kind: 'min', value: 100 }, digits: 1 },
    { label: 'master peak RSS during it', unit: 'MiB', values: ingests.map((r) => mb(r.peakRss)), goal: { kind: 'max', value: 200 }, digits: 1 },
    { label: 'master CPU per MB of log', unit: 'ms', values: ingests.map((r) => r.masterCpuPerMb), digits: 1 },
    { label: 'agent CPU per MB of log (decode, mask, frame, send)', unit: 'ms', values: ingests.map((r) => r.agentCpuPerMb), digits: 1 },
  );
}
if (interferences.length) {
  rows.push(
    { label: `no-op lifecycle without writers (${INTERFERENCE} tasks)`, unit: 'tasks/s', values: interferences.map((r) => r.without) },
    { label: `same with ${WRITERS} tasks writing logs`, unit: 'tasks/s', values: interferences.map((r) => r.with) },
    { label: 'slowdown from the writers (same run)', unit: '×', values: interferences.map((r) => r.ratio), goal: { kind: 'max', value: 2 }, digits: 2 },
    { label: 'log bytes the writers got to disk meanwhile', unit: 'MB/s', values: interferences.map((r) => r.writerMBps), digits: 1 },
    { label: 'master busy without writers (share of one core)', unit: '%', values: interferences.map((r) => 100 * r.masterBusy.without) },
    { label: 'master busy with writers (share of one core)', unit: '%', values: interferences.map((r) => 100 * r.masterBusy.with) },
  );
}

const table = consoleTable(rows);
log(`\n${table}`);
const conditionsAfter = machineConditions();
const md = `# Dispatch benchmark

\`npm run bench:dispatch${process.argv.slice(2).length ? ' -- ' + process.argv.slice(2).join(' ') : ''}\` on ${new Date().toISOString()},
${RUNS} run(s), min/median/max over runs; "met" judges the median. What each figure means: bench/README.md ("dispatch").

${markdownTable(rows)}

## Machine conditions

Before:
${conditionsBefore}

After:
${conditionsAfter}
`;
mkdirSync(join(outFile, '..'), { recursive: true });
// Notes written by hand below this marker (analysis, comparisons) survive a rerun.
const NOTES = '<!-- notes: kept when the benchmark rewrites this file -->';
const previous = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
const notes = previous.includes(NOTES) ? previous.slice(previous.indexOf(NOTES)) : '';
writeFileSync(outFile, notes ? `${md}\n${notes}` : md);
log(`\nwritten to ${outFile}`);
