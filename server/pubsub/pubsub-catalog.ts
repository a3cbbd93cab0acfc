// The names of the Pub/Sub service: topics and subscriptions, their settings, and the rules
// for creating them (default subscription per topic, created on first use, idempotent when
// the settings match). The deliveries in them belong to the service.
import { ConflictError, NotFoundError } from '../../src/shared/errors';
import {
  ACK_DEADLINE_DEFAULT,
  MAX_DELIVERY_ATTEMPTS_DEFAULT,
  RETENTION_DEFAULT_SECONDS,
} from '../../src/shared/pubsub/methods';
import { newSub, type SubState, type TopicState } from './model';
import { subRow } from './pubsub-format';
import type { QueueStore } from './queue-store';

export interface SubscriptionSettings {
  ackDeadlineSeconds?: number;
  maxDeliveryAttempts?: number;
  retentionSeconds?: number;
}

export class PubSubCatalog {
  topics = new Map<string, TopicState>();
  subs = new Map<string, SubState>();
  private nextTopicId = 1;
  private nextSubId = 1;

  constructor(
    private readonly store: QueueStore,
    private readonly now: () => number,
  ) {}

  /** Takes over what the store held at start. */
  restore(st: { topics: Map<string, TopicState>; subs: Map<string, SubState>; nextTopicId: number; nextSubId: number }): void {
    this.topics = st.topics;
    this.subs = st.subs;
    this.nextTopicId = st.nextTopicId;
    this.nextSubId = st.nextSubId;
  }

  createTopic(name: string): { topic: TopicState; created: boolean } {
    const existing = this.topics.get(name);
    if (existing) return { topic: existing, created: false };
    const topic: TopicState = { id: this.nextTopicId++, name, createdAt: this.now(), subs: new Set() };
    this.topics.set(name, topic);
    this.store.insertTopic({ id: topic.id, name, createdAt: topic.createdAt });
    if (!this.subs.has(name)) this.addSub(name, topic, {});
    return { topic, created: true };
  }

  /** Forgets a topic whose subscriptions are already gone. */
  removeTopic(topic: TopicState): void {
    this.topics.delete(topic.name);
    this.store.deleteTopic(topic.id);
  }

  createSubscription(name: string, topicName: string, s: SubscriptionSettings): { sub: SubState; created: boolean } {
    const existing = this.subs.get(name);
    if (existing) {
      const same =
        existing.topic.name === topicName &&
        (s.ackDeadlineSeconds === undefined || s.ackDeadlineSeconds === existing.ackDeadlineSeconds) &&
        (s.maxDeliveryAttempts === undefined || s.maxDeliveryAttempts === existing.maxDeliveryAttempts) &&
        (s.retentionSeconds === undefined || s.retentionSeconds === existing.retentionSeconds);
      if (!same) throw new ConflictError(`subscription ${name} already exists with other settings`);
      return { sub: existing, created: false };
    }
    const topic = this.createTopic(topicName).topic;
    // createTopic may have just made the default subscription under this very name.
    const made = this.subs.get(name);
    if (made) {
      this.updateSubscription(name, s);
      return { sub: made, created: true };
    }
    return { sub: this.addSub(name, topic, s), created: true };
  }

  updateSubscription(name: string, s: SubscriptionSettings): SubState {
    const sub = this.requireSub(name);
    if (s.ackDeadlineSeconds !== undefined) sub.ackDeadlineSeconds = s.ackDeadlineSeconds;
    if (s.maxDeliveryAttempts !== undefined) sub.maxDeliveryAttempts = s.maxDeliveryAttempts;
    if (s.retentionSeconds !== undefined) sub.retentionSeconds = s.retentionSeconds;
    this.store.upsertSubscription(subRow(sub));
    return sub;
  }

  /** Forgets a subscription whose deliveries the service has already let go. */
  removeSubscription(sub: SubState): void {
    sub.topic.subs.delete(sub);
    this.subs.delete(sub.name);
    this.store.deleteSubscription(sub.id);
  }

  requireSub(name: string): SubState {
    const sub = this.subs.get(name);
    if (!sub) throw new NotFoundError(`no subscription named ${name}`);
    return sub;
  }

  /** The subscription, creating the topic of the same name (and so it) on first use. */
  subscriptionOrDefault(name: string): SubState {
    const sub = this.subs.get(name);
    if (sub) return sub;
    this.checkDefaultAllowed(name);
    this.createTopic(name);
    return this.subs.get(name)!;
  }

  /** The subscriptions a pull names. Checks every name before creating anything, so a
   * refused pull changes nothing. */
  pullTargets(names: string[]): SubState[] {
    for (const n of names) if (!this.subs.has(n)) this.checkDefaultAllowed(n);
    return names.map((n) => this.subscriptionOrDefault(n));
  }

  listTopics(): Array<{ name: string; subscriptions: string[]; createdAt: string }> {
    return [...this.topics.values()].map((t) => ({
      name: t.name,
      subscriptions: [...t.subs].map((s) => s.name),
      createdAt: new Date(t.createdAt).toISOString(),
    }));
  }

  /** A topic whose default subscription was deleted does not get it back behind the
   * caller's back: that would undo the delete. */
  private checkDefaultAllowed(name: string): void {
    if (this.topics.has(name)) throw new NotFoundError(`no subscription named ${name} (its topic has no default subscription)`);
  }

  private addSub(name: string, topic: TopicState, s: SubscriptionSettings): SubState {
    const sub = newSub(
      this.nextSubId++,
      name,
      topic,
      {
        ackDeadlineSeconds: s.ackDeadlineSeconds ?? ACK_DEADLINE_DEFAULT,
        maxDeliveryAttempts: s.maxDeliveryAttempts ?? MAX_DELIVERY_ATTEMPTS_DEFAULT,
        retentionSeconds: s.retentionSeconds ?? RETENTION_DEFAULT_SECONDS,
      },
      this.now(),
    );
    topic.subs.add(sub);
    this.subs.set(name, sub);
    this.store.upsertSubscription(subRow(sub));
    return sub;
  }
}
