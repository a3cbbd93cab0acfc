// `npm run bench:pubsub`: OurCI's Pub/Sub against BullMQ (Redis) and NATS JetStream, same
// workload, same run, every server started on loopback here and stopped afterwards.
// See bench/README.md for the flags and what each figure means.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type { Peer } from './peer';
import { peers } from './peers/index';
import { consoleTable, machineConditions, markdownTable, rows, writeResults, type Figure, type Samples } from './report';
import { drain, latency, LATENCY_WARMUP, p50, p99, redelivery, type ScenarioContext } from './scenarios';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNS_DIR = join(ROOT, 'bench/.runs');

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    messages: { type: 'string', default: '20000' },
    'latency-messages': { type: 'string', default: '2000' },
    'latency-interval-ms': { type: 'string', default: '2' },
    'lease-ms': { type: 'string', default: '2000' },
    systems: { type: 'string', default: 'ourci,bullmq,nats' },
    only: { type: 'string', default: 'drain,latency,redelivery' },
    drains: { type: 'string', default: '1,4,16,p4' },
    profile: { type: 'boolean', default: false },
    'ourci-prefetch': { type: 'string', default: '1' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (flags.help) {
  process.stdout.write(`usage: npm run bench:pubsub -- [options]
  --runs N                 runs of everything (default 3)
  --messages N             messages per drain (default 20000)
  --latency-messages N     messages in the latency test (default 2000)
  --latency-interval-ms N  publish interval in the latency test (default 2)
  --lease-ms N             lease in the redelivery test (default 2000)
  --systems a,b            subset of ourci,bullmq,nats
  --only a,b               subset of drain,latency,redelivery
  --drains a,b             subset of the drains 1,4,16 (consumers in one process) and p4 (4 processes)
  --ourci-prefetch N       messages an OurCI consumer keeps leased besides the one in its
                           handler (default 1, what NATS's consume({ max_messages: 1 }) does;
                           0 = strictly one message per consumer)
  --profile                write CPU profiles of the OurCI master and its consumer processes
                           to bench/.runs/profiles
  --out FILE               results file (default bench/results/pubsub.md for the full workload,
                           bench/.runs/pubsub.md otherwise)
`);
  process.exit(0);
}

const int = (name: keyof typeof flags): number => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const RUNS = int('runs');
const MESSAGES = int('messages');
const LAT_MESSAGES = int('latency-messages');
const LAT_INTERVAL = int('latency-interval-ms');
const LEASE_MS = int('lease-ms');
const PREFETCH = Number(flags['ourci-prefetch']);
if (!Number.isInteger(PREFETCH) || PREFETCH < 0) throw new Error('--ourci-prefetch must be a whole number');
const only = new Set(flags.only!.split(','));
const drainSet = new Set(flags.drains!.split(','));
const systems: Peer[] = flags.systems!.split(',').map((s) => {
  const p = peers[s.trim()];
  if (!p) throw new Error(`unknown system ${s}; use ourci, bullmq, nats`);
  return p;
});
const fullWorkload = RUNS >= 3 && drainSet.size === 4 && MESSAGES === 20000 && LAT_MESSAGES === 2000 && LAT_INTERVAL === 2 && LEASE_MS === 2000 && only.size === 3 && systems.length === 3 && PREFETCH === 1;
const outFile = flags.out ?? (fullWorkload ? join(ROOT, 'bench/results/pubsub.md') : join(RUNS_DIR, 'pubsub.md'));

const DRAINS: Array<{ key: string; label: string; perProcess: number[]; goal?: number }> = [
  { key: 'drain1', label: 'drain, 1 consumer', perProcess: [1] },
  { key: 'drain4', label: 'drain, 4 consumers in 1 process', perProcess: [4] },
  { key: 'drain16', label: 'drain, 16 consumers in 1 process', perProcess: [16], goal: 1.1 },
  { key: 'drainP4', label: 'drain, 4 consumer processes', perProcess: [1, 1, 1, 1], goal: 1.1 },
].filter((d) => drainSet.has(d.key.slice('drain'.length).toLowerCase()));

const figures: Figure[] = [
  ...(only.has('drain')
    ? DRAINS.map((d): Figure => ({ key: d.key, label: d.label, unit: 'msg/s', better: 'higher', goalRatio: d.goal, digits: 0 }))
    : []),
  ...(only.has('latency')
    ? [
        { key: 'latP50', label: 'latency p50, 4 idle processes', unit: 'ms', better: 'lower', digits: 2 } as Figure,
        { key: 'latP99', label: 'latency p99, 4 idle processes', unit: 'ms', better: 'lower', goalRatio: 1, digits: 2 } as Figure,
      ]
    : []),
  ...(only.has('redelivery')
    ? [
        {
          key: 'redelivery',
          label: `redelivery after SIGKILL, ${LEASE_MS / 1000} s lease`,
          unit: 's',
          better: 'lower',
          goalAbs: LEASE_MS / 1000 + 0.5,
          digits: 2,
        } as Figure,
      ]
    : []),
];

// Diagnostics, not goals: where the CPU goes per message in each drain.
const cpuFigures: Figure[] = only.has('drain')
  ? DRAINS.flatMap((d): Figure[] => [
      { key: `${d.key}.serverCpu`, label: `${d.label}: server CPU per message`, unit: 'µs', better: 'lower', digits: 1 },
      { key: `${d.key}.consumerCpu`, label: `${d.label}: consumer CPU per message`, unit: 'µs', better: 'lower', digits: 1 },
    ])
  : [];

const samples: Samples = {};
const record = (key: string, system: string, v: number): void => {
  ((samples[key] ??= {})[system] ??= []).push(v);
};

async function prepare(): Promise<string> {
  mkdirSync(RUNS_DIR, { recursive: true });
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { cwd: ROOT, stdio: 'inherit' });
  // Consumer processes start from one bundled file: much faster to fork than through tsx.
  const script = join(RUNS_DIR, 'consumer-process.mjs');
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['bench/pubsub/consumer-process.ts'],
    outfile: script,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  return script;
}

async function runSystem(peer: Peer, run: number, script: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${peer.name.toLowerCase()}-`));
  const profileDir = flags.profile && peer.name === 'OurCI' ? join(RUNS_DIR, 'profiles') : undefined;
  const server = await peer.start(dir, { profileDir, prefetch: PREFETCH }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const ctx: ScenarioContext = { peer, server, script, tag: `r${run}`, profileDir };
  const log = (what: string): void => void process.stdout.write(`  ${peer.name.padEnd(6)} ${what}\n`);
  try {
    if (only.has('drain')) {
      for (const d of DRAINS) {
        const r = await drain(ctx, d.key, d.perProcess, MESSAGES);
        record(d.key, peer.name, r.rate);
        record(`${d.key}.serverCpu`, peer.name, r.serverCpuPerMsg);
        record(`${d.key}.consumerCpu`, peer.name, r.consumerCpuPerMsg);
        log(
          `${d.label}: ${Math.round(r.rate)} msg/s (CPU per message: server ${r.serverCpuPerMsg.toFixed(1)} µs, ` +
            `consumers ${r.consumerCpuPerMsg.toFixed(1)} µs)`,
        );
      }
    }
    if (only.has('latency')) {
      const lat = await latency(ctx, 4, LAT_MESSAGES, LAT_INTERVAL);
      record('latP50', peer.name, p50(lat));
      record('latP99', peer.name, p99(lat));
      log(`latency p50 ${p50(lat).toFixed(2)} ms, p99 ${p99(lat).toFixed(2)} ms`);
    }
    if (only.has('redelivery')) {
      const ms = await redelivery(ctx, LEASE_MS);
      record('redelivery', peer.name, ms / 1000);
      log(`redelivery after SIGKILL: ${(ms / 1000).toFixed(2)} s`);
    }
  } finally {
    try {
      await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function main(): Promise<void> {
  const script = await prepare();
  const loadBefore = loadavg();
  const started = Date.now();
  for (let run = 1; run <= RUNS; run++) {
    process.stdout.write(`run ${run}/${RUNS}\n`);
    // Rotate the order so no system always runs first (warm caches) or last (a tired machine).
    for (let i = 0; i < systems.length; i++) await runSystem(systems[(i + run - 1) % systems.length]!, run, script);
  }
  const names = systems.map((s) => s.name);
  const rs = rows(figures, samples, names);
  const cpuRows = rows(cpuFigures, samples, names);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  process.stdout.write(`\n${consoleTable(rs, names)}\n\n${consoleTable(cpuRows, names)}\n\n`);
  const conditions = machineConditions(loadBefore);
  const workload =
    `${RUNS} runs; drains of ${MESSAGES} messages of ~200 bytes, each consumer holding one message and acking at once; ` +
    `latency: ${LAT_MESSAGES} messages (after ${LATENCY_WARMUP} not counted), one every ${LAT_INTERVAL} ms, 4 idle consumer processes; ` +
    `redelivery: ${LEASE_MS / 1000} s lease, holder SIGKILLed right after it got the message; took ${minutes} min`;
  writeResults(
    outFile,
    [
      '# Pub/Sub benchmark: OurCI vs BullMQ vs NATS JetStream',
      '',
      `Generated by \`npm run bench:pubsub\` on ${new Date().toISOString()}. Cells are min / **median** / max over the runs;`,
      'the ratio compares medians of the same run (only ratios from one run count: the machine is shared and noisy).',
      '',
      markdownTable(rs, names),
      '',
      'Where the CPU goes (diagnostic, from /proc and process.cpuUsage; the server is one process, consumers are summed):',
      '',
      markdownTable(cpuRows, names),
      '',
      `Workload: ${workload}.`,
      '',
      'Machine:',
      ...conditions.map((c) => `- ${c}`),
    ].join('\n'),
  );
  process.stdout.write(`results written to ${outFile}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:pubsub failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
