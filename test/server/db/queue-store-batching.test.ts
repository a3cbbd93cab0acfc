// The SQLite queue store deletes acknowledged messages' rows in batches, after the
// acknowledgement itself is durable: nothing acknowledged may come back if the batch is lost.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteDb } from '../../../server/db/sqlite-db';
import { PubSubService } from '../../../server/pubsub/pubsub-service';
import { SqliteQueueStore } from '../../../server/pubsub/sqlite-queue-store';
import { tempDir, waitFor } from '../../helpers/master';

function open(file: string): { db: SqliteDb; ps: PubSubService } {
  const db = new SqliteDb(file);
  return { db, ps: new PubSubService(new SqliteQueueStore(db)) };
}

const count = (db: SqliteDb, table: string): number =>
  (db.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

async function drain(ps: PubSubService, n: number): Promise<void> {
  let ackIds: string[] = [];
  for (let i = 0; i < n; i++) {
    ps.acknowledge(undefined, ackIds, false);
    const got = ps.pull({ subscriptions: ['q'], max: 1, waitMs: 0 }) as Array<{ ackId: string }>;
    ackIds = got.map((m) => m.ackId);
    await ps.commit();
  }
  ps.acknowledge('q', ackIds);
  await ps.commit();
}

describe('SQLite queue store', () => {
  it('removes the rows of acknowledged messages a little later, in batches', async () => {
    const { db, ps } = open(join(tempDir(), 'q.db'));
    ps.publish('q', Array.from({ length: 10 }, (_, i) => ({ data: { i } })));
    await ps.commit();
    expect(count(db, 'ps_messages')).toBe(10);
    await drain(ps, 10);
    expect(count(db, 'ps_deliveries')).toBe(0);
    await waitFor(async () => {
      await ps.commit();
      return count(db, 'ps_messages') === 0;
    }, 5000, 'message rows to go');
    ps.close();
    db.close();
  });

  it('never redelivers an acknowledged message whose row outlived a crash', async () => {
    const file = join(tempDir(), 'q.db');
    const first = open(file);
    first.ps.publish('q', Array.from({ length: 5 }, (_, i) => ({ data: { i } })));
    await first.ps.commit();
    await drain(first.ps, 3);
    // Closing now loses the pending batch of message deletes, as a crash would.
    first.ps.close();
    first.db.close();

    const second = open(file);
    expect(count(second.db, 'ps_messages')).toBe(5);
    const got = second.ps.pull({ subscriptions: ['q'], max: 10, waitMs: 0 }) as Array<{ message: { data: unknown } }>;
    expect(got.map((m) => m.message.data)).toEqual([{ i: 3 }, { i: 4 }]);
    await waitFor(async () => {
      await second.ps.commit();
      return count(second.db, 'ps_messages') === 2;
    }, 5000, 'orphaned message rows to go');
    second.ps.close();
    second.db.close();
  });
});
