// The three measurements, each against one running system:
//   drain       prefill N messages, then W consumers drain them (msg/s)
//   latency     4 idle consumer processes; one publish every 2 ms; publish → handler start
//   redelivery  SIGKILL a lease holder; time until another consumer gets the message
import type { ConsumerConfig, ConsumerMode } from './consumer-process';
import { ConsumerGroup } from './consumer-group';
import { makePayload, type Peer, type PeerServer } from './peer';
import { nowMs, percentile } from './stats';

export interface ScenarioContext {
  peer: Peer;
  server: PeerServer;
  /** The consumer-process script to fork. */
  script: string;
  /** Distinguishes the queues of successive runs. */
  tag: string;
  /** Where consumer processes write CPU profiles, if asked. */
  profileDir?: string;
}

const DRAIN_LEASE_MS = 60_000;
const POLL_MS = 20;

function configs(ctx: ScenarioContext, queue: string, leaseMs: number, mode: ConsumerMode, perProcess: number[]): ConsumerConfig[] {
  return perProcess.map((consumers) => ({ peer: ctx.peer.name.toLowerCase(), conn: ctx.server.conn, queue, leaseMs, consumers, mode }));
}

async function waitCount(
  group: ConsumerGroup,
  n: number,
  timeoutMs: number,
  what: string,
): Promise<{ count: number; lastAt: number; cpuMicros: number }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await group.stats();
    if (s.count >= n) return s;
    if (Date.now() > end) throw new Error(`${what}: only ${s.count} of ${n} messages arrived in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Warns when a system did not really acknowledge everything it delivered. */
async function checkEmpty(ctx: ScenarioContext, queue: string): Promise<void> {
  const end = Date.now() + 5000;
  let left = await ctx.server.remaining(queue);
  while (left > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    left = await ctx.server.remaining(queue);
  }
  if (left > 0) process.stderr.write(`warning: ${ctx.peer.name} ${queue}: ${left} messages left unacknowledged\n`);
}

export interface DrainResult {
  rate: number;
  /** CPU microseconds per message spent by the server and by the consumer processes. */
  serverCpuPerMsg: number;
  consumerCpuPerMsg: number;
}

/** Drain throughput in msg/s with `perProcess[i]` consumers in process i. */
export async function drain(ctx: ScenarioContext, name: string, perProcess: number[], messages: number): Promise<DrainResult> {
  const queue = `drain_${name}_${ctx.tag}`;
  await ctx.server.createQueue(queue, { leaseMs: DRAIN_LEASE_MS });
  const group = await ConsumerGroup.start(ctx, configs(ctx, queue, DRAIN_LEASE_MS, 'drain', perProcess));
  try {
    await ctx.server.publishMany(queue, Array.from({ length: messages }, (_, i) => makePayload(i)));
    const before = await group.stats();
    const serverCpu0 = ctx.server.cpuSeconds();
    const t0 = nowMs();
    await group.go();
    const done = await waitCount(group, messages, 300_000, `${ctx.peer.name} drain ${name}`);
    return {
      rate: messages / ((done.lastAt - t0) / 1000),
      serverCpuPerMsg: ((ctx.server.cpuSeconds() - serverCpu0) * 1e6) / messages,
      consumerCpuPerMsg: (done.cpuMicros - before.cpuMicros) / messages,
    };
  } finally {
    await group.stop();
    await checkEmpty(ctx, queue);
  }
}

/** Messages published before the latency measurement starts (JIT and connection warm-up). */
export const LATENCY_WARMUP = 200;

/**
 * Publish → handler-start latencies (ms) with `processes` idle single-consumer processes.
 * `LATENCY_WARMUP` messages go first at the same pace, not counted (negative seq): each
 * system then starts measured from a warm steady state instead of first-call costs.
 */
export async function latency(ctx: ScenarioContext, processes: number, messages: number, intervalMs: number): Promise<number[]> {
  const queue = `latency_${ctx.tag}`;
  await ctx.server.createQueue(queue, { leaseMs: DRAIN_LEASE_MS });
  const group = await ConsumerGroup.start(ctx, configs(ctx, queue, DRAIN_LEASE_MS, 'latency', Array(processes).fill(1)));
  try {
    await group.go();
    await new Promise((r) => setTimeout(r, 300)); // let every consumer settle into its wait
    const confirms: Array<Promise<void>> = [];
    const start = nowMs();
    for (let i = -LATENCY_WARMUP; i < messages; i++) {
      const wait = start + (i + LATENCY_WARMUP) * intervalMs - nowMs();
      if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
      confirms.push(ctx.server.publishOne(queue, makePayload(i, nowMs())));
    }
    await Promise.all(confirms);
    await waitCount(group, messages + LATENCY_WARMUP, 60_000, `${ctx.peer.name} latency`);
    return await group.latencies();
  } finally {
    await group.stop();
    await checkEmpty(ctx, queue);
  }
}

/** Milliseconds from SIGKILL of the lease holder to another consumer getting the message. */
export async function redelivery(ctx: ScenarioContext, leaseMs: number): Promise<number> {
  const queue = `redelivery_${ctx.tag}`;
  await ctx.server.createQueue(queue, { leaseMs });
  const holder = await ConsumerGroup.start(ctx, configs(ctx, queue, leaseMs, 'hold', [1]));
  const rescuer = await ConsumerGroup.start(ctx, configs(ctx, queue, leaseMs, 'rescue', [1])).catch(async (err) => {
    await holder.stop();
    throw err;
  });
  try {
    await holder.go();
    const got = holder.procs[0]!.next('got', 30_000);
    await ctx.server.publishOne(queue, makePayload(0, nowMs()));
    await got;
    await rescuer.go();
    const rescued = rescuer.procs[0]!.next('got', leaseMs * 5 + 30_000);
    const killedAt = nowMs();
    holder.procs[0]!.child.kill('SIGKILL');
    const { at } = await rescued;
    return at - killedAt;
  } finally {
    await Promise.all([holder.stop(), rescuer.stop()]);
    await checkEmpty(ctx, queue);
  }
}

export const p50 = (v: number[]): number => percentile(v, 50);
export const p99 = (v: number[]): number => percentile(v, 99);
