// Retention: the sweep (every 30 s) drops undelivered and dead-lettered messages older than
// retentionSeconds, never a leased one. Runs on the service with a fake clock and fake
// interval timers; SQLite is real, so the result is also checked after a reload from disk.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteDb } from '../../../server/db/sqlite-db';
import type { DropEvent } from '../../../server/pubsub/model';
import { PubSubService } from '../../../server/pubsub/pubsub-service';
import { SqliteQueueStore } from '../../../server/pubsub/sqlite-queue-store';
import { tempDir } from '../../helpers/master';

afterEach(() => {
  vi.useRealTimers();
});

describe('retention', () => {
  it('drops backlog and dead letters past retentionSeconds at the next sweep, keeps leases and newer messages', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const file = join(tempDir(), 'q.db');
    const db = new SqliteDb(file);
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const drops: DropEvent[] = [];
    const ps = new PubSubService(new SqliteQueueStore(db), { onDrop: (e) => void drops.push(e) }, () => clock);
    ps.createSubscription('s', 't', { retentionSeconds: 10, maxDeliveryAttempts: 1 });
    const [leased, dead, waiting] = ps.publish('t', [{ data: 'leased' }, { data: 'dead' }, { data: 'waiting' }]);
    const got = (await ps.pull({ subscriptions: ['s'], max: 2, waitMs: 0 })).map((r) => r.ackId);
    ps.modifyAckDeadline('s', [got[0]!], 600);
    // Released: its budget of one delivery is spent, so it is dead-lettered.
    ps.modifyAckDeadline('s', [got[1]!], 0);
    expect(drops.map((d) => [d.messageId, d.reason])).toEqual([[dead, 'dead-letter']]);
    drops.length = 0;
    expect(ps.describe(ps.getSubscription('s')!)).toMatchObject({ backlog: 1, inFlight: 1, deadLettered: 1 });
    clock += 9_000;
    const [young] = ps.publish('t', [{ data: 'young' }]);
    vi.advanceTimersByTime(30_000);
    expect(drops).toEqual([]); // nothing is 10 s old yet
    clock += 2_000;
    vi.advanceTimersByTime(30_000);
    expect(drops.map((d) => [d.messageId, d.reason])).toEqual([
      [dead, 'retention'],
      [waiting, 'retention'],
    ]);
    expect(ps.describe(ps.getSubscription('s')!)).toMatchObject({ backlog: 1, inFlight: 1, deadLettered: 0 });
    clock += 20_000;
    vi.advanceTimersByTime(30_000);
    // 'young' went too; the leased message stays while its lease lives.
    expect(drops.map((d) => d.messageId)).toEqual([dead, waiting, young]);
    expect(ps.describe(ps.getSubscription('s')!)).toMatchObject({ backlog: 0, inFlight: 1, deadLettered: 0 });
    expect(ps.leaseOf(got[0]!).msg.id).toBe(Number(leased));
    await ps.commit();
    ps.close();
    db.close();

    const db2 = new SqliteDb(file);
    const again = new PubSubService(new SqliteQueueStore(db2), {}, () => clock);
    expect(again.describe(again.getSubscription('s')!)).toMatchObject({ backlog: 0, inFlight: 1, deadLettered: 0 });
    again.close();
    db2.close();
  });

  it('a message that outlives retention in the backlog is dropped, never delivered', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const db = new SqliteDb(join(tempDir(), 'q.db'));
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const ps = new PubSubService(new SqliteQueueStore(db), {}, () => clock);
    ps.createSubscription('s', 't', { retentionSeconds: 10 });
    ps.publish('t', [{ data: 'old' }]);
    clock += 10_001;
    ps.publish('t', [{ data: 'new' }]);
    vi.advanceTimersByTime(30_000);
    const got = await ps.pull({ subscriptions: ['s'], max: 10, waitMs: 0 });
    expect(got.map((r) => r.message.data)).toEqual(['new']);
    ps.close();
    db.close();
  });
});
