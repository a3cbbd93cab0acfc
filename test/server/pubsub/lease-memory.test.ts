// Memory: a lease that ended (acknowledged, extended, nacked, subscription deleted) must not
// keep its message's payload reachable through the lease heap's stale entries (up to a
// thousand of them wait there to be swept). Checked with WeakRefs and a forced full GC on the
// real service over real SQLite. A handful may stay reachable for a while for a reason outside
// the service: V8's Map keeps a deleted entry's value in its table until the table shrinks.
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SqliteDb } from '../../../server/db/sqlite-db';
import { PubSubService } from '../../../server/pubsub/pubsub-service';
import { SqliteQueueStore } from '../../../server/pubsub/sqlite-queue-store';
import { tempDir } from '../../helpers/master';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const N = 2000;
/** Stragglers V8's Map tables may hold; the stale lease entries alone would keep over 1,000. */
const FEW = 100;

function service(): PubSubService {
  const db = new SqliteDb(join(tempDir(), 'q.db'));
  const ps = new PubSubService(new SqliteQueueStore(db));
  ps.createTopic('s'); // with its default subscription 's', the only one holding copies
  return ps;
}

/** Publishes `n` payloads and returns weak references to them (the test keeps no strong one). */
function publish(ps: PubSubService, n: number): Array<WeakRef<object>> {
  const refs: Array<WeakRef<object>> = [];
  ps.publish(
    's',
    Array.from({ length: n }, (_, i) => {
      const data = { seq: i, pad: 'x'.repeat(200) };
      refs.push(new WeakRef(data));
      return { data };
    }),
  );
  return refs;
}

async function pullIds(ps: PubSubService, n: number): Promise<string[]> {
  const got = await ps.pull({ subscriptions: ['s'], max: n, waitMs: 0 });
  return got.map((m) => m.ackId);
}

async function alive(refs: Array<WeakRef<object>>): Promise<number> {
  await new Promise((r) => setImmediate(r)); // let the group commit release its closures
  gc();
  return refs.filter((r) => r.deref() !== undefined).length;
}

describe('lease memory', () => {
  it('acknowledged payloads are collectable although their lease entries are still in the heap', async () => {
    const ps = service();
    const refs = publish(ps, N);
    ps.acknowledge('s', await pullIds(ps, N));
    expect(await alive(refs)).toBeLessThan(FEW);
    ps.close();
  });

  it('an extended lease leaves nothing behind in its superseded entry once acknowledged', async () => {
    const ps = service();
    const refs = publish(ps, N);
    const ids = await pullIds(ps, N);
    ps.modifyAckDeadline('s', ids, 120);
    ps.modifyAckDeadline('s', ids, 300);
    expect(await alive(refs)).toBe(N); // still leased: kept
    ps.acknowledge('s', ids);
    expect(await alive(refs)).toBeLessThan(FEW);
    ps.close();
  });

  it('nacked then acknowledged, or dropped with their subscription, payloads go too', async () => {
    const ps = service();
    const refs = publish(ps, N);
    ps.modifyAckDeadline('s', await pullIds(ps, N), 0); // back to the backlog
    ps.acknowledge('s', await pullIds(ps, N));
    expect(await alive(refs)).toBeLessThan(FEW);
    const more = publish(ps, N);
    await pullIds(ps, N);
    ps.deleteSubscription('s');
    expect(await alive(more)).toBeLessThan(FEW);
    ps.close();
  });
});
