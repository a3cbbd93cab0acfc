// A consumer process: opens W consumers of one system, waits for "go", then counts,
// times or holds what it receives, and answers the orchestrator over IPC.
//   drain    ack at once; report count and the time of the last message
//   latency  ack at once; record publish → handler-start latency
//   hold     keep the first message and never ack (the victim of the SIGKILL test)
//   rescue   ack at once; report when the first message arrives
import type { Conn, Handler, PeerConsumer } from './peer';
import { peers } from './peers/index';
import { nowMs } from './stats';

export type ConsumerMode = 'drain' | 'latency' | 'hold' | 'rescue';

export interface ConsumerConfig {
  peer: string;
  conn: Conn;
  queue: string;
  leaseMs: number;
  consumers: number;
  mode: ConsumerMode;
}

export type ToChild = { cmd: 'go' } | { cmd: 'stat' } | { cmd: 'latencies' } | { cmd: 'stop' };
export type FromChild =
  | { ev: 'ready' }
  | { ev: 'started' }
  | { ev: 'got'; at: number; seq: number }
  | { ev: 'stat'; count: number; lastAt: number; cpuMicros: number }
  | { ev: 'latencies'; values: number[] }
  | { ev: 'error'; message: string };

const send = (m: FromChild): void => void process.send!(m);
const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]!) as ConsumerConfig;
  const peer = peers[cfg.peer];
  if (!peer) throw new Error(`unknown system ${cfg.peer}`);
  const client = await peer.connect(cfg.conn);
  const consumers: PeerConsumer[] = await Promise.all(
    Array.from({ length: cfg.consumers }, () => client.consumer(cfg.queue, { leaseMs: cfg.leaseMs })),
  );
  let count = 0;
  let lastAt = 0;
  const latencies: number[] = [];
  const handler: Handler = (p) => {
    const at = nowMs();
    count++;
    lastAt = at;
    if (cfg.mode === 'latency' && p.seq >= 0) latencies.push(at - p.t); // negative: warm-up
    if (cfg.mode === 'hold' || (cfg.mode === 'rescue' && count === 1)) send({ ev: 'got', at, seq: p.seq });
    return cfg.mode === 'hold' ? 'hold' : 'ack';
  };
  process.on('message', (m: ToChild) => {
    switch (m.cmd) {
      case 'go':
        void Promise.all(consumers.map((c) => c.start(handler))).then(() => send({ ev: 'started' }));
        break;
      case 'stat':
        send({ ev: 'stat', count, lastAt, cpuMicros: cpuMicros() });
        break;
      case 'latencies':
        send({ ev: 'latencies', values: latencies });
        break;
      case 'stop':
        void Promise.allSettled(consumers.map((c) => c.close()))
          .then(() => client.close())
          .finally(() => process.exit(0));
        break;
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ ev: 'ready' });
}

main().catch((err: unknown) => {
  send({ ev: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
