// Durability (DESIGN.md §2): a master child process is SIGKILLed at random instants while
// clients publish, pull, ack and nack concurrently; after each restart on the same data
// directory, whatever it confirmed must still hold. The seed fixes the kill instants and the
// clients' choices (timing on a busy machine still varies; the invariants hold for any timing).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectMaster, type MasterClient } from '../../../src/client/master-client';
import type { ReceivedMessage } from '../../../src/shared/pubsub/methods';
import { spawnMaster, type ChildMaster } from '../../helpers/child-master';
import { clientOf, startMaster, tempDir, waitFor } from '../../helpers/master';
import { prng, testSeed, type Prng } from '../../helpers/prng';

const ROUNDS = 6;
/** Long enough for a held lease to live until the next restart's check extends it. */
const ACK_DEADLINE = 15;
const TOPIC = 'jobs';

type LeaseState = 'held' | 'ack-sent' | 'nack-sent' | 'acked' | 'released';
interface Lease {
  ackId: string;
  msgId: string;
  state: LeaseState;
}

/** What the clients were told, and what may or may not have happened. */
class Ledger {
  /** Confirmed publishes: message id → payload. */
  readonly published = new Map<string, string>();
  /** Payloads of publishes whose outcome is unknown (the master died first). */
  readonly maybe = new Set<string>();
  /** Payloads of publishes sent and not answered yet: a puller may get them first (the
   * master writes deliveries before confirmations), as Google Pub/Sub subscribers may. */
  readonly publishing = new Set<string>();
  /** Message ids whose ack was confirmed (or resolved after a restart). */
  readonly acked = new Set<string>();
  /** The latest lease of each message. */
  readonly current = new Map<string, Lease>();
  readonly byAckId = new Map<string, Lease>();
  readonly violations: string[] = [];
  counts = { publishes: 0, pulls: 0, acks: 0, nacks: 0, unknown: 0 };

  violate(what: string): void {
    if (this.violations.length < 50) this.violations.push(what);
  }

  received(r: ReceivedMessage): void {
    const id = r.message.messageId;
    const payload = r.message.data as string;
    if (this.acked.has(id)) this.violate(`message ${id} came back after its ack was confirmed`);
    const prev = this.current.get(id);
    if (prev && (prev.state === 'held' || prev.state === 'ack-sent')) this.violate(`message ${id} delivered again while leased to ${prev.ackId}`);
    const known = this.published.get(id);
    if (known !== undefined && known !== payload) this.violate(`message ${id} carries ${payload}, published as ${known}`);
    if (known === undefined && !this.maybe.has(payload) && !this.publishing.has(payload)) this.violate(`message ${id} (${payload}) was never published`);
    const lease: Lease = { ackId: r.ackId, msgId: id, state: 'held' };
    this.current.set(id, lease);
    this.byAckId.set(r.ackId, lease);
  }

  set(ackIds: string[], state: LeaseState): void {
    for (const a of ackIds) {
      const l = this.byAckId.get(a)!;
      l.state = state;
      if (state === 'acked') this.acked.add(l.msgId);
    }
  }

  held(): Lease[] {
    return [...this.current.values()].filter((l) => l.state === 'held');
  }
}

const isConnectionLoss = (e: unknown): boolean => (e as { code?: number }).code === 503;

async function publisher(c: MasterClient, tag: string, L: Ledger, rnd: Prng, stop: () => boolean): Promise<void> {
  for (let seq = 0; !stop(); ) {
    const payloads = Array.from({ length: rnd.int(1, 4) }, () => `${tag}-${seq++}`);
    for (const p of payloads) L.publishing.add(p);
    try {
      const { messageIds } = await c.call('PubSub.Publish', { topic: TOPIC, messages: payloads.map((data) => ({ data })) });
      messageIds.forEach((id, i) => {
        if (L.published.has(id)) L.violate(`message id ${id} handed out twice`);
        L.published.set(id, payloads[i]!);
      });
      L.counts.publishes += payloads.length;
    } catch (e) {
      if (!isConnectionLoss(e)) L.violate(`publish failed: ${String(e)}`);
      for (const p of payloads) L.maybe.add(p);
      L.counts.unknown++;
    } finally {
      for (const p of payloads) L.publishing.delete(p);
    }
  }
}

async function consumer(c: MasterClient, L: Ledger, rnd: Prng, stop: () => boolean): Promise<void> {
  let piggyBack: string[] = [];
  while (!stop()) {
    const ackIds = piggyBack;
    piggyBack = [];
    L.set(ackIds, 'ack-sent');
    let got: ReceivedMessage[];
    try {
      const r = await c.call('PubSub.Pull', {
        subscription: TOPIC,
        maxMessages: rnd.int(1, 3),
        waitSeconds: 0.2,
        ...(ackIds.length ? { ackIds } : {}),
      });
      if (r.lostAckIds) L.violate(`piggy-backed acks refused: ${r.lostAckIds.join(' ')}`);
      L.set(ackIds, 'acked');
      got = r.receivedMessages;
      L.counts.pulls++;
    } catch (e) {
      if (!isConnectionLoss(e)) L.violate(`pull failed: ${String(e)}`);
      L.counts.unknown++;
      return;
    }
    const ack: string[] = [];
    const nack: string[] = [];
    for (const r of got) {
      L.received(r);
      const roll = rnd.next();
      if (roll < 0.45) ack.push(r.ackId);
      else if (roll < 0.7) piggyBack.push(r.ackId);
      else if (roll < 0.88) continue; // hold the lease across whatever comes
      else nack.push(r.ackId);
    }
    for (const [ids, call] of [
      [ack, () => c.call('PubSub.Acknowledge', { subscription: TOPIC, ackIds: ack })],
      [nack, () => c.call('PubSub.ModifyAckDeadline', { subscription: TOPIC, ackIds: nack, ackDeadlineSeconds: 0 })],
    ] as const) {
      // Once stopped (the kill is under way) the leases are simply held: a call now would wait for the restart.
      if (ids.length === 0 || stop()) continue;
      const isAck = ids === ack;
      L.set(ids, isAck ? 'ack-sent' : 'nack-sent');
      try {
        await call();
        L.set(ids, isAck ? 'acked' : 'released');
        L.counts[isAck ? 'acks' : 'nacks'] += ids.length;
      } catch (e) {
        if (!isConnectionLoss(e)) L.violate(`${isAck ? 'ack' : 'nack'} of a confirmed lease failed: ${String(e)}`);
        L.counts.unknown++;
      }
    }
  }
}

/** After a restart: every confirmed lease is still there under its ackId; unknown outcomes get settled. */
async function verifyAfterRestart(c: MasterClient, L: Ledger, rnd: Prng): Promise<void> {
  for (const l of [...L.current.values()]) {
    if (l.state === 'held') {
      const r = await c.call('PubSub.ModifyAckDeadline', { subscription: TOPIC, ackIds: [l.ackId], ackDeadlineSeconds: 600 }).catch((e: unknown) => e);
      if ((r as { modified?: number }).modified !== 1) {
        L.violate(`lease ${l.ackId} confirmed before the kill is gone: ${String(r)}`);
      } else if (rnd.chance(0.5)) {
        await c.call('PubSub.Acknowledge', { subscription: TOPIC, ackIds: [l.ackId] });
        L.set([l.ackId], 'acked');
      }
    } else if (l.state === 'ack-sent' || l.state === 'nack-sent') {
      const ack = l.state === 'ack-sent';
      const r = ack
        ? c.call('PubSub.Acknowledge', { subscription: TOPIC, ackIds: [l.ackId] })
        : c.call('PubSub.ModifyAckDeadline', { subscription: TOPIC, ackIds: [l.ackId], ackDeadlineSeconds: 0 });
      // Done before the kill (409: that ackId is finished) or not (then it is done now).
      await r.catch((e: unknown) => {
        if ((e as { code?: number }).code !== 409) throw e;
      });
      L.set([l.ackId], ack ? 'acked' : 'released');
    }
  }
  const { subscriptions } = await c.call('PubSub.ListSubscriptions', { topic: TOPIC });
  const jobs = subscriptions.find((s) => s.name === TOPIC)!;
  const audit = subscriptions.find((s) => s.name === 'audit')!;
  // More may be in flight: a pull the kill cut off can have leased messages whose reply never
  // reached its client. Those leases run out after ACK_DEADLINE and the messages come back.
  if (jobs.inFlight < L.held().length) L.violate(`in flight ${jobs.inFlight}, but ${L.held().length} leases are held`);
  const unacked = [...L.published.keys()].filter((id) => !L.acked.has(id)).length;
  const present = jobs.backlog + jobs.inFlight + jobs.deadLettered;
  if (present < unacked || present > unacked + L.maybe.size) L.violate(`jobs holds ${present}, expected ${unacked}..${unacked + L.maybe.size}`);
  const all = audit.backlog + audit.inFlight;
  if (all < L.published.size || all > L.published.size + L.maybe.size) L.violate(`audit holds ${all}, expected ${L.published.size}..+${L.maybe.size}`);
}

async function drain(c: MasterClient, subscription: string, onEach: (r: ReceivedMessage) => void): Promise<void> {
  for (;;) {
    const { receivedMessages } = await c.call('PubSub.Pull', { subscription, maxMessages: 1000, waitSeconds: 0 });
    if (receivedMessages.length === 0) return;
    for (const r of receivedMessages) onEach(r);
    await c.call('PubSub.Acknowledge', { subscription, ackIds: receivedMessages.map((r) => r.ackId) }).catch((e: unknown) => {
      throw new Error(`drain ack failed: ${JSON.stringify(e)} ${JSON.stringify(receivedMessages.map((r) => [r.ackId, r.deliveryAttempt]))}`);
    });
  }
}

describe('durability across SIGKILL', () => {
  it('keeps every confirmed message, lease and ack through kills at random instants', { timeout: 120_000 }, async () => {
    const rnd = prng(testSeed('durability'));
    const dataDir = tempDir();
    let master: ChildMaster = await spawnMaster({ dataDir });
    const port = master.port;
    const token = (scope: string): string => readFileSync(join(dataDir, `${scope}.token`), 'utf8').trim();
    const connect = (scope: string): MasterClient => connectMaster(master.url, token(scope), { minBackoffMs: 50, maxBackoffMs: 250 });
    const admin = connect('admin');
    const publishers = [connect('admin'), connect('admin')];
    const consumers = [connect('agent'), connect('agent'), connect('agent')];
    const clients = [admin, ...publishers, ...consumers];
    try {
      await Promise.all(clients.map((c) => c.ready()));
      await admin.call('PubSub.CreateSubscription', { name: TOPIC, topic: TOPIC, ackDeadlineSeconds: ACK_DEADLINE, maxDeliveryAttempts: 100 });
      await admin.call('PubSub.CreateSubscription', { name: 'audit', topic: TOPIC });
      const L = new Ledger();
      for (let round = 0; round < ROUNDS; round++) {
        let stopped = false;
        const stop = (): boolean => stopped;
        const work = [
          ...publishers.map((c, i) => publisher(c, `r${round}p${i}`, L, prng(rnd.int(0, 2 ** 31)), stop)),
          ...consumers.map((c) => consumer(c, L, prng(rnd.int(0, 2 ** 31)), stop)),
        ];
        // The kill instant: somewhere in the middle of the traffic.
        await new Promise((r) => setTimeout(r, rnd.int(20, 400)));
        stopped = true;
        await master.kill();
        await Promise.all(work);
        master = await spawnMaster({ dataDir, port });
        // The clients find the restarted master by themselves.
        await Promise.all(clients.map((c) => c.ready(30_000)));
        await verifyAfterRestart(admin, L, rnd);
        expect(L.violations, `round ${round}`).toEqual([]);
      }

      // Finally everything left is drained: nothing lost, nothing acked comes back, no duplicates.
      // Leases cut off by a kill run out within ACK_DEADLINE, so drain until nothing is in flight.
      for (const l of L.held()) {
        await admin.call('PubSub.Acknowledge', { subscription: TOPIC, ackIds: [l.ackId] }).catch((e: unknown) => {
          throw new Error(`final ack of held ${l.ackId} failed: ${String(e)}`);
        });
        L.set([l.ackId], 'acked');
      }
      const drained = new Set<string>();
      await waitFor(
        async () => {
          await drain(admin, TOPIC, (r) => {
            L.received(r);
            if (drained.has(r.message.messageId)) L.violate(`message ${r.message.messageId} drained twice`);
            drained.add(r.message.messageId);
            L.acked.add(r.message.messageId);
          });
          const { subscriptions } = await admin.call('PubSub.ListSubscriptions', { topic: TOPIC });
          const jobs = subscriptions.find((x) => x.name === TOPIC)!;
          return jobs.inFlight === 0 && jobs.backlog === 0;
        },
        (ACK_DEADLINE + 30) * 1000,
        'orphaned leases to run out',
      );
      const missing = [...L.published.keys()].filter((id) => !L.acked.has(id));
      expect(missing, 'confirmed messages lost').toEqual([]);
      const audited = new Map<string, string>();
      await drain(admin, 'audit', (r) => {
        if (audited.has(r.message.messageId)) L.violate(`audit copy of ${r.message.messageId} twice`);
        audited.set(r.message.messageId, r.message.data as string);
      });
      for (const [id, payload] of L.published) if (audited.get(id) !== payload) L.violate(`audit lost ${id} (${payload})`);
      const payloads = new Set(audited.values());
      if (payloads.size !== audited.size) L.violate('one publish became two messages');
      for (const p of payloads) if (!L.published.has([...audited].find(([, v]) => v === p)![0]) && !L.maybe.has(p)) L.violate(`audit has ${p}, never published`);
      expect(L.violations).toEqual([]);
      // The run did real work on every round.
      expect(L.counts.publishes).toBeGreaterThan(ROUNDS * 5);
      expect(L.counts.acks).toBeGreaterThan(ROUNDS);
      process.stdout.write(`durability: ${JSON.stringify(L.counts)}, ${L.published.size} confirmed, ${L.maybe.size} unknown publishes\n`);
    } finally {
      for (const c of clients) c.close();
    }
  });
});

describe('identity across restarts', () => {
  it('never hands out a message id twice, even when every earlier message is gone', async () => {
    const dataDir = tempDir();
    const seen = new Set<string>();
    for (let run = 0; run < 3; run++) {
      const m = await startMaster({ dataDir });
      const c = await clientOf(m);
      const { messageIds } = await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }, { data: 2 }] });
      for (const id of messageIds) {
        expect(seen.has(id), `message id ${id} reused in run ${run}`).toBe(false);
        seen.add(id);
      }
      const got = await c.call('PubSub.Pull', { subscription: 't', maxMessages: 10, waitSeconds: 0 });
      await c.call('PubSub.Acknowledge', { subscription: 't', ackIds: got.receivedMessages.map((r) => r.ackId) });
      c.close();
      await m.close();
    }
  });

  it('a lease keeps its ackId and deadline across a clean restart too', async () => {
    const dataDir = tempDir();
    const m = await startMaster({ dataDir });
    const c = await clientOf(m);
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    const r = (await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).receivedMessages[0]!;
    c.close();
    await m.close();
    const m2 = await startMaster({ dataDir });
    expect(m2.pubsub.listSubscriptions()[0]).toMatchObject({ inFlight: 1, backlog: 0 });
    const c2 = await clientOf(m2, 'agent');
    expect((await c2.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).receivedMessages).toEqual([]);
    expect(await c2.call('PubSub.Acknowledge', { subscription: 't', ackIds: [r.ackId] })).toEqual({ acknowledged: 1 });
  });

  it('keeps the database in WAL mode; --fsync always turns on synchronous=FULL', async () => {
    const normal = await startMaster();
    expect(normal.db.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(normal.db.db.pragma('synchronous', { simple: true })).toBe(1);
    const always = await startMaster({ fsync: 'always' });
    expect(always.db.db.pragma('synchronous', { simple: true })).toBe(2);
  });
});
