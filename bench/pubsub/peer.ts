// What the benchmark needs from each system under test (OurCI, BullMQ on Redis, NATS
// JetStream): start a server on loopback, make a queue, publish, and open consumers that
// hold one message at a time. The orchestrator (run.ts) drives servers; consumer processes
// (consumer-process.ts) drive consumers, so everything a consumer needs travels as `conn`.
// Consumers in one process share that process's client, as each system's users would have
// them: one OurCI client, one NATS connection, one ioredis client handed to every Worker.

/** The message body: a no-op task of about 200 bytes once serialized as JSON. */
export interface Payload {
  kind: 'noop';
  seq: number;
  /** Publish time on the machine-wide monotonic clock (stats.nowMs), for latency. */
  t: number;
  args: string[];
  pad: string;
}

export interface QueueOptions {
  /** Lease (ack deadline / lock duration / ack wait) in milliseconds. */
  leaseMs: number;
}

/** Serializable connection details handed to consumer processes. */
export type Conn = Record<string, string | number>;

export interface PeerServer {
  readonly conn: Conn;
  createQueue(name: string, opts: QueueOptions): Promise<void>;
  /** Publishes many messages as fast as the client allows (prefill before a drain). */
  publishMany(queue: string, payloads: Payload[]): Promise<void>;
  /** Publishes one message; resolves when the system confirmed it. */
  publishOne(queue: string, payload: Payload): Promise<void>;
  /** Messages neither acknowledged nor dropped yet (ready plus in flight). */
  remaining(queue: string): Promise<number>;
  /** CPU seconds the server process has used so far (for the per-message cost diagnostics). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** 'ack' acknowledges at once and takes the next message; 'hold' keeps it forever. */
export type Handler = (payload: Payload) => 'ack' | 'hold';

export interface PeerConsumer {
  /** Starts taking messages one at a time; resolves once the first request is on its way. */
  start(handler: Handler): Promise<void>;
  /** Stops taking messages. */
  close(): Promise<void>;
}

/** One process's client of a system; consumers are made on it. */
export interface PeerClient {
  /** A consumer that does not take messages before `start`. */
  consumer(queue: string, opts: QueueOptions): Promise<PeerConsumer>;
  close(): Promise<void>;
}

export interface Peer {
  readonly name: string;
  /**
   * Starts the server with its data in `dir`. `profileDir` asks for a CPU profile and
   * `prefetch` sets the consumers' prefetch (OurCI only).
   */
  start(dir: string, opts: { profileDir?: string; prefetch?: number }): Promise<PeerServer>;
  connect(conn: Conn): Promise<PeerClient>;
}

const ARGS = ['ci/run-tests.sh', '--board', 'esp-12e', '--suite', 'smoke'];

/** A ~200-byte no-op task message. */
export function makePayload(seq: number, t = 0): Payload {
  const base: Payload = { kind: 'noop', seq, t, args: ARGS, pad: '' };
  const size = JSON.stringify(base).length;
  return { ...base, pad: 'x'.repeat(Math.max(0, 200 - size - 8)) };
}
