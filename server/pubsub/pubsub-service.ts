// The Pub/Sub service (DESIGN.md §2): topics, subscriptions, long-poll pull, leases with
// redelivery, dead letters, expiry and retention. Decisions are made in memory and mirrored
// to the queue store; callers await `commit()` (the RPC layer does) before replying.
import { BadRequestError, LeaseLostError } from '../../src/shared/errors';
import {
  type PubsubMessage,
  type ReceivedMessage,
  type SubscriptionInfo,
} from '../../src/shared/pubsub/methods';
import type { HeapEntry } from './min-heap';
import { DeadlineQueue } from './deadline-queue';
import {
  type Delivery,
  type DropReason,
  type LeaseEvent,
  type MessageState,
  type PubSubHooks,
  type SubState,
  type TopicState,
  type Waiter,
} from './model';
import { DeliveryState, type QueueStore } from './queue-store';
import { RecentAcks } from './recent-acks';
import { deliveryRow, formatMessage, received } from './pubsub-format';
import { rebuildState } from './pubsub-loader';
import { PubSubCatalog, type SubscriptionSettings } from './pubsub-catalog';

export type { SubscriptionSettings } from './pubsub-catalog';

export interface PublishInput {
  data: unknown;
  attributes?: Record<string, string>;
  /** Milliseconds since the epoch. */
  expireTime?: number;
}

export interface PullInput {
  subscriptions: string[];
  max: number;
  waitMs: number;
  signal?: AbortSignal;
}

const RECENT_ACKS = 100_000;

/** A lease heap entry that still describes its delivery's current lease. */
const isCurrentLease = (e: HeapEntry<Delivery | null>): e is HeapEntry<Delivery> =>
  e.item !== null && e.item.state === DeliveryState.Leased && e.item.seq === e.stamp && e.item.deadline === e.at;
const SWEEP_INTERVAL_MS = 30_000;
const MSG_ID_BLOCK = 10_000;

export class PubSubService {
  private readonly catalog: PubSubCatalog;
  private byAckId = new Map<string, Delivery>();
  /** Acked ackIds, so a repeated ack of the same delivery is idempotent rather than "lost". */
  private recentAcks = new RecentAcks(RECENT_ACKS);
  /** Lease deadlines: a lease that runs out is released (redelivered or dead-lettered). */
  private leases = new DeadlineQueue<Delivery | null>((e) => {
    if (isCurrentLease(e)) this.release(e.item, true);
  }, () => this.now());
  /** Message expire times: a message still waiting in a backlog then is dropped. */
  private expiries = new DeadlineQueue<MessageState>((e) => this.expireMessage(e.item), () => this.now());
  private sweepTimer: NodeJS.Timeout;
  private nextMsgId = 1;
  /** Ids below this are reserved on disk; reserving in blocks keeps that write rare. */
  private msgIdReserved = 0;
  private rotate = 0;
  private readonly ackTag = Math.random().toString(36).slice(2, 6);

  constructor(
    private readonly store: QueueStore,
    private readonly hooks: PubSubHooks = {},
    private readonly now: () => number = Date.now,
  ) {
    this.catalog = new PubSubCatalog(store, () => this.now());
    this.load();
    this.sweepTimer = setInterval(() => this.sweepRetention(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** Resolves when every change made so far is durable. */
  commit(): Promise<void> {
    return this.store.commit();
  }

  close(): void {
    clearInterval(this.sweepTimer);
    this.leases.close();
    this.expiries.close();
    for (const sub of this.catalog.subs.values()) {
      for (const w of sub.waiters.splice(0)) this.finishWaiter(w, []);
    }
  }

  // ---- topics and subscriptions -------------------------------------------------------

  createTopic(name: string): { topic: TopicState; created: boolean } {
    return this.catalog.createTopic(name);
  }

  deleteTopic(name: string): boolean {
    const topic = this.catalog.topics.get(name);
    if (!topic) return false;
    for (const sub of [...topic.subs]) this.deleteSubscription(sub.name);
    this.catalog.removeTopic(topic);
    return true;
  }

  createSubscription(name: string, topicName: string, s: SubscriptionSettings): { sub: SubState; created: boolean } {
    return this.catalog.createSubscription(name, topicName, s);
  }

  updateSubscription(name: string, s: SubscriptionSettings): SubState {
    return this.catalog.updateSubscription(name, s);
  }

  pullTargets(names: string[]): SubState[] {
    return this.catalog.pullTargets(names);
  }

  getSubscription(name: string): SubState | undefined {
    return this.catalog.subs.get(name);
  }

  listTopics(): Array<{ name: string; subscriptions: string[]; createdAt: string }> {
    return this.catalog.listTopics();
  }

  deleteSubscription(name: string): boolean {
    const sub = this.catalog.subs.get(name);
    if (!sub) return false;
    for (const d of sub.deliveries.values()) {
      if (d.ackId) this.byAckId.delete(d.ackId);
      this.detachLeaseEntry(d);
      d.state = -1;
      this.unref(d.msg);
    }
    for (const w of sub.waiters.splice(0)) this.finishWaiter(w, []);
    this.recentAcks.dropSubscription(sub.id);
    this.catalog.removeSubscription(sub);
    return true;
  }

  listSubscriptions(topic?: string): SubscriptionInfo[] {
    const subs = [...this.catalog.subs.values()].filter((s) => topic === undefined || s.topic.name === topic);
    return subs.map((s) => this.describe(s));
  }

  describe(sub: SubState): SubscriptionInfo {
    return {
      name: sub.name,
      topic: sub.topic.name,
      ackDeadlineSeconds: sub.ackDeadlineSeconds,
      maxDeliveryAttempts: sub.maxDeliveryAttempts,
      retentionSeconds: sub.retentionSeconds,
      backlog: sub.readyCount,
      inFlight: sub.leasedCount,
      deadLettered: sub.deadCount,
      oldestUnackedAgeSeconds: this.oldestUnackedAge(sub),
      waitingPullers: sub.waiters.length,
    };
  }

  // ---- publish ---------------------------------------------------------------------------

  publish(topicName: string, messages: PublishInput[]): string[] {
    const topic = this.catalog.createTopic(topicName).topic;
    const now = this.now();
    const ids: string[] = [];
    if (this.nextMsgId + messages.length > this.msgIdReserved) {
      this.msgIdReserved = this.nextMsgId + messages.length + MSG_ID_BLOCK;
      this.store.reserveMessageIds(this.msgIdReserved);
    }
    for (const m of messages) {
      const msg: MessageState = {
        id: this.nextMsgId++,
        topic,
        data: m.data === undefined ? null : m.data,
        attributes: m.attributes ?? {},
        publishTime: now,
        expireTime: m.expireTime ?? null,
        refs: 0,
      };
      this.store.insertMessage({
        id: msg.id,
        topicId: topic.id,
        data: JSON.stringify(msg.data),
        attributes: msg.attributes,
        publishTime: now,
        expireTime: msg.expireTime,
      });
      for (const sub of topic.subs) {
        const d: Delivery = {
          sub,
          msg,
          state: DeliveryState.Ready,
          attempts: 0,
          seq: 0,
          ackId: null,
          deadline: 0,
          deadAt: 0,
          leaseEntry: null,
        };
        msg.refs++;
        sub.deliveries.set(msg.id, d);
        sub.ready.push(d);
        sub.readyCount++;
        this.persistDelivery(d, true);
      }
      if (msg.refs === 0) this.store.deleteMessage(msg.id);
      else if (msg.expireTime !== null) this.scheduleExpiry(msg);
      ids.push(String(msg.id));
    }
    for (const sub of topic.subs) this.serveWaiters(sub);
    return ids;
  }

  // ---- pull, ack, lease ------------------------------------------------------------------

  /** Leases up to `max` messages, waiting up to `waitMs` for the first one. */
  pull(input: PullInput): Promise<ReceivedMessage[]> | ReceivedMessage[] {
    const subs = this.pullTargets(input.subscriptions);
    const got = this.takeFrom(subs, input.max);
    if (got.length > 0 || input.waitMs <= 0 || input.signal?.aborted) return got.map((d) => received(d));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        subs,
        max: input.max,
        done: false,
        resolve: (ds) => resolve(ds.map((d) => received(d))),
      };
      const timer = setTimeout(() => this.finishWaiter(waiter, []), input.waitMs);
      const onAbort = (): void => this.finishWaiter(waiter, []);
      input.signal?.addEventListener('abort', onAbort, { once: true });
      const resolveOnce = waiter.resolve;
      waiter.resolve = (ds) => {
        clearTimeout(timer);
        input.signal?.removeEventListener('abort', onAbort);
        resolveOnce(ds);
      };
      for (const sub of subs) sub.waiters.push(waiter);
    });
  }

  /**
   * Acknowledges deliveries. Strict mode (PubSub.Acknowledge) checks every ackId first and
   * changes nothing if one is stale; lenient mode (Pull's piggy-back) acks what it can and
   * returns the rest.
   */
  acknowledge(subscription: string | undefined, ackIds: string[], strict = true): { acked: number; lost: string[] } {
    const found: Delivery[] = [];
    const lost: string[] = [];
    // A repeated ackId must act once: acking a delivery twice would unref its message twice.
    for (const ackId of new Set(ackIds)) {
      const d = this.byAckId.get(ackId);
      if (d && subscription !== undefined && d.sub.name !== subscription) {
        throw new BadRequestError(`ackId ${ackId} belongs to subscription ${d.sub.name}, not ${subscription}`);
      }
      if (d) found.push(d);
      else if (!this.recentAcks.has(ackId)) lost.push(ackId);
    }
    if (strict && lost.length > 0) throw new LeaseLostError({ ackIds: lost });
    for (const d of found) this.ackDelivery(d);
    return { acked: found.length, lost };
  }

  /** Extends leases (seconds from now), or releases them with 0. Stale ackIds fail the call. */
  modifyAckDeadline(subscription: string, ackIds: string[], seconds: number): { modified: number; cancelled: string[] } {
    const found: Delivery[] = [];
    const lost: string[] = [];
    for (const ackId of new Set(ackIds)) {
      const d = this.byAckId.get(ackId);
      if (d && d.sub.name !== subscription) {
        throw new BadRequestError(`ackId ${ackId} belongs to subscription ${d.sub.name}, not ${subscription}`);
      }
      if (d) found.push(d);
      else lost.push(ackId);
    }
    if (lost.length > 0) throw new LeaseLostError({ ackIds: lost });
    const cancelled: string[] = [];
    for (const d of found) {
      if (seconds === 0) {
        this.release(d, false);
        continue;
      }
      if (this.hooks.isCancelled?.(this.leaseEvent(d))) cancelled.push(d.ackId!);
      d.deadline = this.now() + seconds * 1000;
      this.persistDelivery(d);
      this.scheduleLease(d);
    }
    return { modified: found.length, cancelled };
  }

  /** The current delivery behind an ackId, or 409 if it is stale. */
  leaseOf(ackId: string): Delivery {
    const d = this.byAckId.get(ackId);
    if (!d) throw new LeaseLostError({ ackId });
    return d;
  }

  leaseEvent(d: Delivery): LeaseEvent {
    return {
      subscription: d.sub.name,
      messageId: String(d.msg.id),
      ackId: d.ackId ?? '',
      data: d.msg.data,
      attributes: d.msg.attributes,
      deliveryAttempt: d.attempts,
    };
  }

  /**
   * Removes a message from every subscription of its topic, whatever its state (the jobs layer
   * uses it for cancelled and timed-out tasks). No hooks run. Returns how many deliveries went.
   */
  discardMessage(topicName: string, messageId: string): number {
    const topic = this.catalog.topics.get(topicName);
    if (!topic) return 0;
    let n = 0;
    for (const sub of topic.subs) {
      const d = sub.deliveries.get(Number(messageId));
      if (!d) continue;
      if (d.state === DeliveryState.Ready) sub.readyCount--;
      this.forgetLease(d);
      this.remove(d);
      n++;
    }
    return n;
  }

  // ---- dead letters ------------------------------------------------------------------------

  deadLetters(subscription: string, limit: number): Array<PubsubMessage & { deliveryAttempt: number; deadLetteredAt: string }> {
    const sub = this.catalog.requireSub(subscription);
    const out = [];
    for (const d of sub.deliveries.values()) {
      if (d.state !== DeliveryState.Dead) continue;
      out.push({ ...formatMessage(d.msg), deliveryAttempt: d.attempts, deadLetteredAt: new Date(d.deadAt).toISOString() });
      if (out.length >= limit) break;
    }
    return out;
  }

  requeue(subscription: string, messageIds: string[]): number {
    const sub = this.catalog.requireSub(subscription);
    let n = 0;
    for (const id of messageIds) {
      const d = sub.deliveries.get(Number(id));
      if (!d || d.state !== DeliveryState.Dead) continue;
      d.state = DeliveryState.Ready;
      d.attempts = 0;
      d.deadAt = 0;
      sub.deadCount--;
      sub.readyCount++;
      sub.ready.push(d);
      this.persistDelivery(d);
      n++;
    }
    this.serveWaiters(sub);
    return n;
  }

  // ---- internals ---------------------------------------------------------------------------

  private takeFrom(subs: SubState[], max: number): Delivery[] {
    const out: Delivery[] = [];
    const start = this.rotate++ % subs.length;
    for (let i = 0; i < subs.length && out.length < max; i++) {
      this.takeInto(subs[(start + i) % subs.length]!, max, out);
    }
    return out;
  }

  private takeInto(sub: SubState, max: number, out: Delivery[]): void {
    const now = this.now();
    while (out.length < max && sub.readyCount > 0) {
      const d = sub.ready.shift();
      if (!d) break;
      if (d.state !== DeliveryState.Ready) continue; // gone or re-queued elsewhere
      sub.readyCount--;
      if (d.msg.expireTime !== null && d.msg.expireTime <= now) {
        this.drop(d, 'expired');
        continue;
      }
      this.lease(d, now);
      out.push(d);
    }
  }

  private lease(d: Delivery, now: number): void {
    d.state = DeliveryState.Leased;
    d.attempts++;
    d.seq++;
    d.ackId = `${d.sub.id}.${d.msg.id}.${d.seq}.${this.ackTag}`;
    d.deadline = now + d.sub.ackDeadlineSeconds * 1000;
    d.sub.leasedCount++;
    this.byAckId.set(d.ackId, d);
    this.persistDelivery(d);
    this.scheduleLease(d);
    if (d.attempts === 1) this.hooks.onDelivered?.(d.sub.name, now - d.msg.publishTime);
  }

  private ackDelivery(d: Delivery): void {
    this.forgetLease(d);
    this.recentAcks.add(d.sub.id, d.msg.id, d.ackId!);
    this.remove(d);
  }

  /** Ends a lease without ack: back to the queue, or dead-lettered when the budget is spent. */
  private release(d: Delivery, expired: boolean): void {
    // Hooks run while the lease is still in place, so they may discard the message instead.
    const ev = this.leaseEvent(d);
    if (expired) this.hooks.onLeaseExpired?.(ev);
    else this.hooks.onNack?.(ev);
    if (d.state !== DeliveryState.Leased) return;
    this.forgetLease(d);
    if (d.msg.expireTime !== null && d.msg.expireTime <= this.now()) return this.drop(d, 'expired');
    if (d.attempts >= d.sub.maxDeliveryAttempts) {
      d.state = DeliveryState.Dead;
      d.deadAt = this.now();
      d.sub.deadCount++;
      this.persistDelivery(d);
      this.hooks.onDrop?.({ ...this.dropBase(d), reason: 'dead-letter' });
      return;
    }
    d.state = DeliveryState.Ready;
    d.sub.readyCount++;
    d.sub.ready.unshift(d);
    this.persistDelivery(d);
    this.serveWaiters(d.sub);
  }

  private forgetLease(d: Delivery): void {
    if (d.state === DeliveryState.Leased) d.sub.leasedCount--;
    if (d.ackId) this.byAckId.delete(d.ackId);
    this.detachLeaseEntry(d);
  }

  /** The entry stays in the heap (no removal from the middle) but points at nothing live. */
  private detachLeaseEntry(d: Delivery): void {
    if (d.leaseEntry) d.leaseEntry.item = null;
    d.leaseEntry = null;
  }

  private drop(d: Delivery, reason: DropReason): void {
    const base = this.dropBase(d);
    this.remove(d);
    this.hooks.onDrop?.({ ...base, reason });
  }

  private dropBase(d: Delivery): Omit<import('./model').DropEvent, 'reason'> {
    return {
      subscription: d.sub.name,
      messageId: String(d.msg.id),
      data: d.msg.data,
      attributes: d.msg.attributes,
      deliveryAttempt: d.attempts,
    };
  }

  /** Removes a delivery for good (acked or dropped). Counters must already exclude it. */
  private remove(d: Delivery): void {
    if (d.state === DeliveryState.Dead) d.sub.deadCount--;
    d.state = -1;
    d.sub.deliveries.delete(d.msg.id);
    this.store.deleteDelivery(d.sub.id, d.msg.id);
    this.unref(d.msg);
  }

  private unref(msg: MessageState): void {
    if (--msg.refs === 0) this.store.deleteMessage(msg.id);
  }

  private serveWaiters(sub: SubState): void {
    while (sub.readyCount > 0 && sub.waiters.length > 0) {
      const w = sub.waiters[0]!;
      const got: Delivery[] = [];
      this.takeInto(sub, w.max, got);
      if (got.length === 0) break;
      this.finishWaiter(w, got);
    }
  }

  private finishWaiter(w: Waiter, got: Delivery[]): void {
    if (w.done) return;
    w.done = true;
    for (const s of w.subs) {
      const i = s.waiters.indexOf(w);
      if (i >= 0) s.waiters.splice(i, 1);
    }
    w.resolve(got);
  }

  private scheduleLease(d: Delivery): void {
    // Most entries go stale (acked) long before their deadline: drop them in bulk once they
    // outnumber the live leases (byAckId holds exactly those), so the heap does not grow with
    // every lease ever taken. Stale entries are detached already and hold no message.
    if (this.leases.size > 2 * this.byAckId.size + 1024) this.leases.retain(isCurrentLease);
    this.detachLeaseEntry(d); // an extension supersedes the previous entry
    d.leaseEntry = { at: d.deadline, item: d, stamp: d.seq };
    this.leases.push(d.leaseEntry);
  }

  private scheduleExpiry(msg: MessageState): void {
    this.expiries.push({ at: msg.expireTime!, item: msg, stamp: 0 });
  }

  /** Drops an expired message where it still waits in a backlog; a leased copy is dropped when released. */
  private expireMessage(msg: MessageState): void {
    for (const sub of msg.topic.subs) {
      const d = sub.deliveries.get(msg.id);
      if (d && d.state === DeliveryState.Ready) {
        sub.readyCount--;
        this.drop(d, 'expired');
      }
    }
  }

  private sweepRetention(): void {
    const now = this.now();
    for (const sub of this.catalog.subs.values()) {
      const cutoff = now - sub.retentionSeconds * 1000;
      for (const d of sub.deliveries.values()) {
        if (d.msg.publishTime >= cutoff) break; // publish order: the rest is newer
        if (d.state === DeliveryState.Ready) {
          sub.readyCount--;
          this.drop(d, 'retention');
        } else if (d.state === DeliveryState.Dead) {
          this.drop(d, 'retention');
        }
      }
    }
  }

  private oldestUnackedAge(sub: SubState): number {
    for (const d of sub.deliveries.values()) {
      if (d.state === DeliveryState.Ready || d.state === DeliveryState.Leased) {
        return Math.max(0, (this.now() - d.msg.publishTime) / 1000);
      }
    }
    return 0;
  }

  /** `isNew`: the delivery was just made (publish), so its row is inserted rather than updated. */
  private persistDelivery(d: Delivery, isNew = false): void {
    if (isNew) this.store.insertDelivery(deliveryRow(d));
    else this.store.putDelivery(deliveryRow(d));
  }

  private load(): void {
    const st = rebuildState(this.store.load());
    this.catalog.restore(st);
    this.byAckId = st.byAckId;
    for (const e of st.leases) this.leases.push(e);
    this.nextMsgId = st.nextMsgId;
    this.msgIdReserved = this.nextMsgId;
    for (const msg of st.messages) {
      if (msg.refs === 0) this.store.deleteMessage(msg.id);
      else if (msg.expireTime !== null) this.scheduleExpiry(msg);
    }
  }
}
