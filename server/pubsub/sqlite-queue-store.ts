// SQLite implementation of the queue seam. Only this file knows the pub/sub tables.
import type { Statement } from 'better-sqlite3';
import type { SqliteDb } from '../db/sqlite-db';
import type { DeliveryRow, MessageRow, QueueSnapshot, QueueStore, SubscriptionRow, TopicRow } from './queue-store';

const MIGRATIONS = [
  `CREATE TABLE ps_topics (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
   CREATE TABLE ps_subscriptions (
     id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, topic_id INTEGER NOT NULL,
     ack_deadline_s INTEGER NOT NULL, max_attempts INTEGER NOT NULL, retention_s INTEGER NOT NULL,
     created_at INTEGER NOT NULL);
   CREATE TABLE ps_messages (
     id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, data TEXT NOT NULL, attributes TEXT,
     publish_time INTEGER NOT NULL, expire_time INTEGER);
   CREATE TABLE ps_deliveries (
     sub_id INTEGER NOT NULL, msg_id INTEGER NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL,
     seq INTEGER NOT NULL, ack_id TEXT, deadline INTEGER, dead_at INTEGER,
     PRIMARY KEY (sub_id, msg_id)) WITHOUT ROWID;`,
  `CREATE TABLE ps_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);`,
];

const DELETE_BATCH = 512;
const DELETE_DELAY_MS = 200;

export class SqliteQueueStore implements QueueStore {
  private readonly s: Record<string, Statement>;
  private deadMessages: number[] = [];
  private deadTimer: NodeJS.Timeout | null = null;

  constructor(private readonly sql: SqliteDb) {
    sql.migrate('pubsub', MIGRATIONS);
    const db = sql.db;
    this.s = {
      insertTopic: db.prepare('INSERT INTO ps_topics(id, name, created_at) VALUES (?, ?, ?)'),
      deleteTopic: db.prepare('DELETE FROM ps_topics WHERE id = ?'),
      deleteTopicMessages: db.prepare('DELETE FROM ps_messages WHERE topic_id = ?'),
      upsertSub: db.prepare(
        `INSERT INTO ps_subscriptions(id, name, topic_id, ack_deadline_s, max_attempts, retention_s, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET ack_deadline_s = excluded.ack_deadline_s,
           max_attempts = excluded.max_attempts, retention_s = excluded.retention_s`,
      ),
      deleteSub: db.prepare('DELETE FROM ps_subscriptions WHERE id = ?'),
      deleteSubDeliveries: db.prepare('DELETE FROM ps_deliveries WHERE sub_id = ?'),
      insertMessage: db.prepare(
        'INSERT INTO ps_messages(id, topic_id, data, attributes, publish_time, expire_time) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      deleteMessages: db.prepare('DELETE FROM ps_messages WHERE id IN (SELECT value FROM json_each(?))'),
      updateDelivery: db.prepare(
        `UPDATE ps_deliveries SET state = ?, attempts = ?, seq = ?, ack_id = ?, deadline = ?, dead_at = ?
         WHERE sub_id = ? AND msg_id = ?`,
      ),
      insertDelivery: db.prepare(
        'INSERT INTO ps_deliveries(sub_id, msg_id, state, attempts, seq, ack_id, deadline, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      putDelivery: db.prepare(
        `INSERT INTO ps_deliveries(sub_id, msg_id, state, attempts, seq, ack_id, deadline, dead_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(sub_id, msg_id) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
           seq = excluded.seq, ack_id = excluded.ack_id, deadline = excluded.deadline, dead_at = excluded.dead_at`,
      ),
      deleteDelivery: db.prepare('DELETE FROM ps_deliveries WHERE sub_id = ? AND msg_id = ?'),
      reserve: db.prepare(
        `INSERT INTO ps_counters(name, value) VALUES (?, ?)
         ON CONFLICT(name) DO UPDATE SET value = max(value, excluded.value)`,
      ),
    };
  }

  load(): QueueSnapshot {
    const db = this.sql.db;
    const topics = (db.prepare('SELECT id, name, created_at FROM ps_topics ORDER BY id').all() as Array<{
      id: number;
      name: string;
      created_at: number;
    }>).map((r): TopicRow => ({ id: r.id, name: r.name, createdAt: r.created_at }));
    const subscriptions = (
      db.prepare('SELECT * FROM ps_subscriptions ORDER BY id').all() as Array<Record<string, number | string>>
    ).map(
      (r): SubscriptionRow => ({
        id: r.id as number,
        name: r.name as string,
        topicId: r.topic_id as number,
        ackDeadlineSeconds: r.ack_deadline_s as number,
        maxDeliveryAttempts: r.max_attempts as number,
        retentionSeconds: r.retention_s as number,
        createdAt: r.created_at as number,
      }),
    );
    const messages = (function* () {
      for (const r of db.prepare('SELECT * FROM ps_messages ORDER BY id').iterate() as Iterable<Record<string, unknown>>) {
        yield {
          id: r.id as number,
          topicId: r.topic_id as number,
          data: r.data as string,
          attributes: r.attributes ? (JSON.parse(r.attributes as string) as Record<string, string>) : {},
          publishTime: r.publish_time as number,
          expireTime: (r.expire_time as number | null) ?? null,
        } satisfies MessageRow;
      }
    })();
    const deliveries = (function* () {
      for (const r of db.prepare('SELECT * FROM ps_deliveries ORDER BY sub_id, msg_id').iterate() as Iterable<
        Record<string, unknown>
      >) {
        yield {
          subId: r.sub_id as number,
          msgId: r.msg_id as number,
          state: r.state as number,
          attempts: r.attempts as number,
          seq: r.seq as number,
          ackId: (r.ack_id as string | null) ?? null,
          deadline: (r.deadline as number | null) ?? null,
          deadAt: (r.dead_at as number | null) ?? null,
        } satisfies DeliveryRow;
      }
    })();
    const floor = db.prepare("SELECT value FROM ps_counters WHERE name = 'message_id'").get() as { value: number } | undefined;
    return { topics, subscriptions, messages, deliveries, messageIdFloor: floor?.value ?? 0 };
  }

  insertTopic(row: TopicRow): void {
    const { id, name, createdAt } = row;
    this.sql.enqueue(() => this.s.insertTopic!.run(id, name, createdAt));
  }

  deleteTopic(id: number): void {
    this.sql.enqueue(() => {
      this.s.deleteTopicMessages!.run(id);
      this.s.deleteTopic!.run(id);
    });
  }

  upsertSubscription(row: SubscriptionRow): void {
    const r = { ...row };
    this.sql.enqueue(() =>
      this.s.upsertSub!.run(r.id, r.name, r.topicId, r.ackDeadlineSeconds, r.maxDeliveryAttempts, r.retentionSeconds, r.createdAt),
    );
  }

  deleteSubscription(id: number): void {
    this.sql.enqueue(() => {
      this.s.deleteSubDeliveries!.run(id);
      this.s.deleteSub!.run(id);
    });
  }

  insertMessage(row: MessageRow): void {
    const { id, topicId, data, attributes, publishTime, expireTime } = row;
    const attrs = Object.keys(attributes).length > 0 ? JSON.stringify(attributes) : null;
    this.sql.enqueue(() => this.s.insertMessage!.run(id, topicId, data, attrs, publishTime, expireTime));
  }

  /**
   * Message rows go in batches, one statement per batch, a little after their last delivery
   * went (which is what made them dead; the delivery's own delete is immediate). A crash before
   * the batch only leaves rows without deliveries, which load() reports and the service deletes.
   * On the hot path this saves a statement and a B-tree page per acknowledged message.
   */
  deleteMessage(id: number): void {
    this.deadMessages.push(id);
    if (this.deadMessages.length >= DELETE_BATCH) this.flushDeadMessages();
    else this.deadTimer ??= setTimeout(() => this.flushDeadMessages(), DELETE_DELAY_MS).unref();
  }

  /** Inserts the row of a new delivery (publish). */
  insertDelivery(row: DeliveryRow): void {
    const { subId, msgId, state, attempts, seq, ackId, deadline, deadAt } = row;
    this.sql.enqueue(() => this.s.insertDelivery!.run(subId, msgId, state, attempts, seq, ackId, deadline, deadAt));
  }

  /** Updates an existing delivery (lease, release, extension); inserts it if it is missing. */
  putDelivery(row: DeliveryRow): void {
    const { subId, msgId, state, attempts, seq, ackId, deadline, deadAt } = row;
    this.sql.enqueue(() => {
      // A plain UPDATE is cheaper than an upsert, and the row exists on every path but the first.
      if (this.s.updateDelivery!.run(state, attempts, seq, ackId, deadline, deadAt, subId, msgId).changes === 0) {
        this.s.putDelivery!.run(subId, msgId, state, attempts, seq, ackId, deadline, deadAt);
      }
    });
  }

  deleteDelivery(subId: number, msgId: number): void {
    this.sql.enqueue(() => this.s.deleteDelivery!.run(subId, msgId));
  }

  reserveMessageIds(upTo: number): void {
    this.sql.enqueue(() => this.s.reserve!.run('message_id', upTo));
  }

  commit(): Promise<void> {
    return this.sql.commit();
  }

  private flushDeadMessages(): void {
    if (this.deadTimer) clearTimeout(this.deadTimer);
    this.deadTimer = null;
    const ids = JSON.stringify(this.deadMessages);
    this.deadMessages = [];
    this.sql.enqueue(() => this.s.deleteMessages!.run(ids));
  }
}
