// `ourci pubsub …`: raw Pub/Sub access for scripts and operators.
import type { Command } from 'commander';
import { httpCall } from '../../shared/rpc/http-call';
import type { MethodName, Params, Result } from '../../shared/rpc/catalog';
import type { CliContext } from '../context';
import { parseDuration, parseNumberFlag } from '../context';
import { print, table } from '../output';

type Call = <K extends MethodName>(cmd: Command, method: K, params: Params<K>) => Promise<Result<K>>;

function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l.trim() !== '');
}

function attrs(list: string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`--attr wants KEY=VALUE, got ${kv}`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerPubSub(program: Command, ctx: CliContext): void {
  const call: Call = (cmd, method, params) => {
    const t = ctx.target(cmd);
    return httpCall(t.url, t.token, method, params, { timeoutMs: 330_000 });
  };
  const ps = program.command('pubsub').description('publish, pull and inspect Pub/Sub topics and subscriptions');

  ps.command('publish <topic> [data]')
    .description('publish one message (DATA is JSON, or a string), or one per line of stdin when DATA is omitted')
    .option('--attr <key=value>', 'message attribute (repeatable)', collect, [])
    .option('--expire <duration>', 'drop the message if not delivered within this time (e.g. 10m)')
    .option('--json', 'print JSON')
    .action(async (topic: string, data: string | undefined, o: { attr: string[]; expire?: string; json?: boolean }, cmd: Command) => {
      const lines = data !== undefined ? [data] : await readStdinLines();
      if (lines.length === 0) throw new Error('nothing to publish: give DATA or lines on stdin');
      const expireTime = o.expire ? Date.now() + parseDuration(o.expire) * 1000 : undefined;
      const attributes = attrs(o.attr);
      const r = await call(cmd, 'PubSub.Publish', {
        topic,
        messages: lines.map((l) => ({ data: parseData(l), attributes, expireTime })),
      });
      print(o, r, () => r.messageIds.join('\n'));
    });

  ps.command('pull <subscription>')
    .description('long-poll for messages; prints ackId, delivery attempt and data')
    .option('--max <n>', 'messages to take at most', '1')
    .option('--wait <seconds>', 'seconds to wait for the first message', '30')
    .option('--ack', 'acknowledge what was received right away')
    .option('--json', 'print JSON')
    .action(async (sub: string, o: { max: string; wait: string; ack?: boolean; json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'PubSub.Pull', {
        subscription: sub,
        maxMessages: parseNumberFlag('--max', o.max, { integer: true, min: 1 }),
        waitSeconds: parseNumberFlag('--wait', o.wait, { min: 0 }),
      });
      if (o.ack && r.receivedMessages.length > 0) {
        await call(cmd, 'PubSub.Acknowledge', { subscription: sub, ackIds: r.receivedMessages.map((m) => m.ackId) });
      }
      print(o, r, () =>
        r.receivedMessages.length === 0
          ? '(no messages)'
          : table(
              ['ACK ID', 'ATTEMPT', 'MESSAGE', 'DATA'],
              r.receivedMessages.map((m) => [m.ackId, m.deliveryAttempt, m.message.messageId, JSON.stringify(m.message.data)]),
            ),
      );
    });

  ps.command('ack <subscription> <ackIds...>')
    .description('acknowledge deliveries (fails with "lease lost" if one is stale)')
    .option('--json', 'print JSON')
    .action(async (sub: string, ackIds: string[], o: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'PubSub.Acknowledge', { subscription: sub, ackIds });
      print(o, r, () => `acknowledged ${r.acknowledged}`);
    });

  ps.command('nack <subscription> <ackIds...>')
    .description('release leases now so the messages are delivered again')
    .option('--json', 'print JSON')
    .action(async (sub: string, ackIds: string[], o: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'PubSub.ModifyAckDeadline', { subscription: sub, ackIds, ackDeadlineSeconds: 0 });
      print(o, r, () => `released ${r.modified}`);
    });

  ps.command('extend <subscription> <ackIds...>')
    .description('extend leases to SECONDS from now')
    .requiredOption('--seconds <n>', 'new deadline in seconds from now (1-600)')
    .option('--json', 'print JSON')
    .action(async (sub: string, ackIds: string[], o: { seconds: string; json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'PubSub.ModifyAckDeadline', { subscription: sub, ackIds, ackDeadlineSeconds: parseNumberFlag('--seconds', o.seconds, { integer: true, min: 0 }),
      });
      print(o, r, () => `extended ${r.modified}${r.cancelledAckIds.length ? `; cancelled: ${r.cancelledAckIds.join(' ')}` : ''}`);
    });

  ps.command('topics')
    .description('list topics and their subscriptions')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'PubSub.ListTopics', {});
      print(o, r, () => table(['TOPIC', 'SUBSCRIPTIONS'], r.topics.map((t) => [t.name, t.subscriptions.join(',')])));
    });

  ps.command('subscriptions')
    .description('list subscriptions with backlog, in-flight and dead-letter counts')
    .option('--topic <topic>', 'only this topic\'s subscriptions')
    .option('--json', 'print JSON')
    .action(async (o: { topic?: string; json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'PubSub.ListSubscriptions', { topic: o.topic });
      print(o, r, () =>
        table(
          ['SUBSCRIPTION', 'TOPIC', 'BACKLOG', 'IN FLIGHT', 'DEAD', 'OLDEST', 'ACK DEADLINE'],
          r.subscriptions.map((s) => [
            s.name,
            s.topic,
            s.backlog,
            s.inFlight,
            s.deadLettered,
            `${Math.round(s.oldestUnackedAgeSeconds)}s`,
            `${s.ackDeadlineSeconds}s`,
          ]),
        ),
      );
    });

  ps.command('dead-letters <subscription>')
    .description('list messages that exhausted their delivery attempts')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON')
    .action(async (sub: string, o: { limit: string; json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'PubSub.ListDeadLetters', { subscription: sub, limit: parseNumberFlag('--limit', o.limit, { integer: true, min: 1 }) });
      print(o, r, () =>
        r.messages.length === 0
          ? '(no dead letters)'
          : table(
              ['MESSAGE', 'ATTEMPTS', 'DEAD SINCE', 'DATA'],
              r.messages.map((m) => [m.messageId, m.deliveryAttempt, m.deadLetteredAt, JSON.stringify(m.data)]),
            ),
      );
    });

  ps.command('requeue <subscription> <messageIds...>')
    .description('put dead letters back in the backlog with a fresh delivery budget')
    .option('--json', 'print JSON')
    .action(async (sub: string, messageIds: string[], o: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'PubSub.Requeue', { subscription: sub, messageIds });
      print(o, r, () => `requeued ${r.requeued}`);
    });

  ps.command('create-topic <name>')
    .description('create a topic (and its default subscription of the same name)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'PubSub.CreateTopic', { name });
      print(o, r, () => (r.created ? `created ${name}` : `${name} already exists`));
    });

  ps.command('create-subscription <name>')
    .description('create a subscription on a topic')
    .requiredOption('--topic <topic>', 'topic to subscribe to')
    .option('--ack-deadline <seconds>', 'lease length (1-600, default 60)')
    .option('--max-attempts <n>', 'deliveries before dead-lettering (default 5)')
    .option('--retention <duration>', 'how long undelivered messages are kept (default 7d)')
    .option('--json', 'print JSON')
    .action(
      async (name: string, o: { topic: string; ackDeadline?: string; maxAttempts?: string; retention?: string; json?: boolean }, cmd: Command) => {
        const r = await call(cmd, 'PubSub.CreateSubscription', {
          name,
          topic: o.topic,
          ackDeadlineSeconds: o.ackDeadline ? parseNumberFlag('--ack-deadline', o.ackDeadline, { integer: true }) : undefined,
          maxDeliveryAttempts: o.maxAttempts ? parseNumberFlag('--max-attempts', o.maxAttempts, { integer: true }) : undefined,
          retentionSeconds: o.retention ? Math.round(parseDuration(o.retention)) : undefined,
        });
        print(o, r, () => `${r.created ? 'created' : 'exists'} ${name} on ${o.topic}`);
      },
    );

  ps.command('update-subscription <name>')
    .description('change a subscription\'s settings (e.g. the lease of a topic\'s default subscription); applies to later deliveries')
    .option('--ack-deadline <seconds>', 'lease length (1-600)')
    .option('--max-attempts <n>', 'deliveries before dead-lettering')
    .option('--retention <duration>', 'how long undelivered messages are kept')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { ackDeadline?: string; maxAttempts?: string; retention?: string; json?: boolean }, cmd: Command) => {
      if (!o.ackDeadline && !o.maxAttempts && !o.retention) throw new Error('nothing to change: give --ack-deadline, --max-attempts or --retention');
      const r = await call(cmd, 'PubSub.UpdateSubscription', {
        name,
        ackDeadlineSeconds: o.ackDeadline ? Number(o.ackDeadline) : undefined,
        maxDeliveryAttempts: o.maxAttempts ? Number(o.maxAttempts) : undefined,
        retentionSeconds: o.retention ? Math.round(parseDuration(o.retention)) : undefined,
      });
      const s = r.subscription;
      print(o, r, () => `${s.name}: ack deadline ${s.ackDeadlineSeconds}s, ${s.maxDeliveryAttempts} delivery attempts, retention ${s.retentionSeconds}s`);
    });

  ps.command('delete-subscription <name>')
    .description('delete a subscription and its undelivered messages')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const r = await call(cmd, 'PubSub.DeleteSubscription', { name });
      print(o, r, () => (r.deleted ? `deleted ${name}` : `no subscription ${name}`));
    });
}
