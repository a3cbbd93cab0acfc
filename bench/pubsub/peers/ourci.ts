// OurCI: a real master process (`bin/ourci master --port 0`) and consumers on the typed
// client's Subscriber: one message in the handler at a time, acknowledged on the next Pull
// (`ackIds` piggy-back), so the hot path is one round trip per message. `prefetch` 1 (the
// default here) keeps the next message on its way while the handler runs, as the NATS
// consumer's `consume({ max_messages: 1 })` does; `--ourci-prefetch 0` measures strict turns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectMaster, type MasterClient } from '../../../src/client/master-client';
import { Subscriber } from '../../../src/client/subscriber';
import type { Conn, Payload, Peer, PeerClient, PeerConsumer, PeerServer } from '../peer';
import { startServerProcess } from '../server-process';

const BIN = fileURLToPath(new URL('../../../bin/ourci', import.meta.url));
const PUBLISH_BATCH = 1000;
const WAIT_SECONDS = 20;

function client(url: string, token: string, name: string): Promise<MasterClient> {
  const c = connectMaster(url, token, { name, callTimeoutMs: (WAIT_SECONDS + 30) * 1000 });
  return c.ready().then(() => c);
}

export const ourci: Peer = {
  name: 'OurCI',

  async start(dir, opts): Promise<PeerServer> {
    const nodeArgs = opts.profileDir ? ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', opts.profileDir] : [];
    const proc = await startServerProcess(
      process.execPath,
      [...nodeArgs, BIN, 'master', '--port', '0', '--data', dir],
      /listening on (http:\/\/\S+)/,
      { label: 'ourci master' },
    );
    const url = proc.ready[1]!;
    const token = (scope: string): string => readFileSync(join(dir, `${scope}.token`), 'utf8').trim();
    const admin = await client(url, token('admin'), 'bench-admin');
    return {
      conn: { url, token: token('agent'), prefetch: opts.prefetch ?? 1 },
      async createQueue(name, q) {
        await admin.call('PubSub.CreateSubscription', { name, topic: name, ackDeadlineSeconds: Math.ceil(q.leaseMs / 1000) });
      },
      async publishMany(queue, payloads) {
        for (let i = 0; i < payloads.length; i += PUBLISH_BATCH) {
          const messages = payloads.slice(i, i + PUBLISH_BATCH).map((data) => ({ data }));
          await admin.call('PubSub.Publish', { topic: queue, messages });
        }
      },
      async publishOne(queue, payload) {
        await admin.call('PubSub.Publish', { topic: queue, messages: [{ data: payload }] });
      },
      async remaining(queue) {
        const { subscriptions } = await admin.call('PubSub.ListSubscriptions', { topic: queue });
        return subscriptions.reduce((n, s) => n + s.backlog + s.inFlight, 0);
      },
      cpuSeconds: () => proc.cpuSeconds(),
      async stop() {
        admin.close();
        await proc.stop();
      },
    };
  },

  async connect(conn: Conn): Promise<PeerClient> {
    const c = await client(String(conn.url), String(conn.token), 'bench-consumer');
    return {
      consumer: async (queue) => consumerOn(c, queue, Number(conn.prefetch ?? 1)),
      async close() {
        c.close();
      },
    };
  },
};

function consumerOn(c: MasterClient, queue: string, prefetch: number): PeerConsumer {
  let sub: Subscriber | null = null;
  return {
    start(handler) {
      // Holding: a handler that never finishes keeps its message leased and never acked.
      sub = new Subscriber(c, queue, (m) => (handler(m.message.data as Payload) === 'hold' ? new Promise(() => undefined) : 'ack'), {
        prefetch,
        waitSeconds: WAIT_SECONDS,
      });
      sub.start();
      return Promise.resolve();
    },
    async close() {
      await sub?.close();
    },
  };
}
