// OurCI: a real master process (`bin/ourci master --port 0`) and consumers on the typed
// client. A consumer holds one message at a time and acknowledges it on its next Pull
// (`ackIds` piggy-back), so the hot path is one round trip per message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectMaster, type MasterClient } from '../../../src/client/master-client';
import type { Conn, Handler, Payload, Peer, PeerClient, PeerConsumer, PeerServer } from '../peer';
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
      conn: { url, token: token('agent') },
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
      consumer: async (queue) => consumerOn(c, queue),
      async close() {
        c.close();
      },
    };
  },
};

function consumerOn(c: MasterClient, queue: string): PeerConsumer {
  let closed = false;
  let pendingAck: string[] | undefined;
  const loop = async (handler: Handler, first: () => void): Promise<void> => {
    while (!closed) {
      const pull = c.call('PubSub.Pull', {
        subscription: queue,
        maxMessages: 1,
        waitSeconds: WAIT_SECONDS,
        ...(pendingAck ? { ackIds: pendingAck } : {}),
      });
      first();
      pendingAck = undefined;
      const { receivedMessages } = await pull;
      for (const m of receivedMessages) {
        if (handler(m.message.data as Payload) === 'hold') return;
        pendingAck = [m.ackId];
      }
    }
  };
  return {
    start(handler) {
      return new Promise((resolve) => {
        loop(handler, resolve).catch((err) => {
          if (!closed) process.stderr.write(`ourci consumer: ${String(err)}\n`);
        });
      });
    },
    async close() {
      closed = true;
      if (pendingAck) await c.call('PubSub.Acknowledge', { subscription: queue, ackIds: pendingAck }).catch(() => undefined);
    },
  };
}
