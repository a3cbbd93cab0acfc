// NATS JetStream on Debian's nats-server (`-js`, file storage in a temp dir): one work-queue
// stream per queue and one durable pull consumer with explicit acks; the lease is `ack_wait`.
// A consumer takes one message at a time (`consume` with `max_messages: 1`) and acknowledges
// at once; consumers in one process share its connection.
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Conn, Payload, Peer, PeerClient, PeerConsumer, PeerServer } from '../peer';
import { freePort, startServerProcess } from '../server-process';

const DURABLE = 'workers';
const PUBLISH_WINDOW = 500;
const encoder = new TextEncoder();

export const nats: Peer = {
  name: 'NATS',

  async start(dir): Promise<PeerServer> {
    const port = await freePort();
    const proc = await startServerProcess(
      'nats-server',
      ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)],
      /Server is ready/,
      { label: 'nats-server' },
    );
    const nc = await connect({ servers: `127.0.0.1:${port}` });
    const jsm: JetStreamManager = await jetstreamManager(nc);
    const js = jetstream(nc);
    return {
      conn: { servers: `127.0.0.1:${port}` },
      async createQueue(name, q) {
        await jsm.streams.add({ name, subjects: [name], storage: StorageType.File, retention: RetentionPolicy.Workqueue });
        await jsm.consumers.add(name, { durable_name: DURABLE, ack_policy: AckPolicy.Explicit, ack_wait: nanos(q.leaseMs) });
      },
      async publishMany(queue, payloads) {
        for (let i = 0; i < payloads.length; i += PUBLISH_WINDOW) {
          await Promise.all(payloads.slice(i, i + PUBLISH_WINDOW).map((p) => js.publish(queue, encoder.encode(JSON.stringify(p)))));
        }
      },
      async publishOne(queue, payload) {
        await js.publish(queue, encoder.encode(JSON.stringify(payload)));
      },
      async remaining(queue) {
        const ci = await jsm.consumers.info(queue, DURABLE);
        return ci.num_pending + ci.num_ack_pending;
      },
      cpuSeconds: () => proc.cpuSeconds(),
      async stop() {
        await nc.close();
        await proc.stop();
      },
    };
  },

  async connect(conn: Conn): Promise<PeerClient> {
    const nc: NatsConnection = await connect({ servers: String(conn.servers) });
    const js = jetstream(nc);
    return {
      async consumer(queue): Promise<PeerConsumer> {
        const consumer = await js.consumers.get(queue, DURABLE);
        let stop: (() => void) | null = null;
        return {
          async start(handler) {
            const msgs = await consumer.consume({ max_messages: 1 });
            stop = () => void msgs.stop();
            void (async () => {
              for await (const m of msgs) {
                // Holding: never ack and never end the iterator (ending it could tell the server).
                if (handler(m.json<Payload>()) === 'hold') await new Promise(() => undefined);
                m.ack();
              }
            })();
          },
          async close() {
            stop?.();
          },
        };
      },
      async close() {
        await nc.close();
      },
    };
  },
};
