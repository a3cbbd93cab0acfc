// BullMQ 6 on Debian's redis-server. Redis runs with its durable setting (AOF,
// appendfsync everysec: every write is in the AOF before the reply, fsync once a second),
// the same guarantee as OurCI's synchronous=NORMAL. A consumer is a Worker with
// concurrency 1; the lease is `lockDuration`, and stalled jobs are looked for every
// lease as well (BullMQ's defaults keep both equal, 30 s).
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Conn, Handler, Payload, Peer, PeerClient, PeerConsumer, PeerServer } from '../peer';
import { freePort, startServerProcess } from '../server-process';

const ADD_BATCH = 1000;
const JOB_OPTS = { removeOnComplete: true, removeOnFail: true };

// BullMQ 6 loads ioredis lazily with require(), which ESM lacks: hand it ready clients.
const connectionOf = (conn: Conn): Redis => new Redis({ host: String(conn.host), port: Number(conn.port), maxRetriesPerRequest: null });

export const bullmq: Peer = {
  name: 'BullMQ',

  async start(dir): Promise<PeerServer> {
    const port = await freePort();
    const proc = await startServerProcess(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'],
      /Ready to accept connections/,
      { label: 'redis-server' },
    );
    const conn = { host: '127.0.0.1', port };
    const queues = new Map<string, Queue>();
    const clients: Redis[] = [];
    const queueOf = (name: string): Queue => {
      let q = queues.get(name);
      if (!q) {
        const client = connectionOf(conn);
        clients.push(client);
        queues.set(name, (q = new Queue(name, { connection: client })));
      }
      return q;
    };
    return {
      conn,
      async createQueue(name) {
        await queueOf(name).waitUntilReady();
      },
      async publishMany(queue, payloads) {
        for (let i = 0; i < payloads.length; i += ADD_BATCH) {
          await queueOf(queue).addBulk(payloads.slice(i, i + ADD_BATCH).map((data) => ({ name: 'noop', data, opts: JOB_OPTS })));
        }
      },
      async publishOne(queue, payload) {
        await queueOf(queue).add('noop', payload, JOB_OPTS);
      },
      async remaining(queue) {
        const c = await queueOf(queue).getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
        return Object.values(c).reduce((a, b) => a + b, 0);
      },
      cpuSeconds: () => proc.cpuSeconds(),
      async stop() {
        await Promise.all([...queues.values()].map((q) => q.close()));
        for (const c of clients) c.disconnect();
        await proc.stop();
      },
    };
  },

  async connect(conn): Promise<PeerClient> {
    // One client per process, shared by its Workers (BullMQ duplicates it for the blocking
    // connection each Worker needs).
    const client = connectionOf(conn);
    return {
      async consumer(queue, opts): Promise<PeerConsumer> {
        let handler: Handler | null = null;
        const worker = new Worker(
          queue,
          async (job) => {
            if (handler!(job.data as Payload) === 'hold') await new Promise(() => undefined);
          },
          {
            connection: client,
            concurrency: 1,
            autorun: false,
            lockDuration: opts.leaseMs,
            stalledInterval: opts.leaseMs,
            removeOnComplete: { count: 0 },
            removeOnFail: { count: 0 },
          },
        );
        worker.on('error', (err) => process.stderr.write(`bullmq worker: ${String(err)}\n`));
        await worker.waitUntilReady();
        return {
          async start(h) {
            handler = h;
            void worker.run();
          },
          async close() {
            await worker.close(true);
          },
        };
      },
      async close() {
        client.disconnect();
      },
    };
  },
};
