// Rebuilds the in-memory Pub/Sub state from the store's snapshot at start: topics,
// subscriptions, backlogs in publish order, leases with their ackIds and deadlines, dead letters.
import type { HeapEntry } from './min-heap';
import { newSub, type Delivery, type MessageState, type SubState, type TopicState } from './model';
import { DeliveryState, type QueueSnapshot } from './queue-store';

export interface RebuiltState {
  topics: Map<string, TopicState>;
  subs: Map<string, SubState>;
  byAckId: Map<string, Delivery>;
  leases: Array<HeapEntry<Delivery | null>>;
  /** Every message read; those with no delivery left (refs 0) can go. */
  messages: MessageState[];
  nextTopicId: number;
  nextSubId: number;
  nextMsgId: number;
}

export function rebuildState(snap: QueueSnapshot): RebuiltState {
  const st: RebuiltState = {
    topics: new Map(),
    subs: new Map(),
    byAckId: new Map(),
    leases: [],
    messages: [],
    nextTopicId: 1,
    nextSubId: 1,
    nextMsgId: 1,
  };
  const topicsById = new Map<number, TopicState>();
  const subsById = new Map<number, SubState>();
  for (const t of snap.topics) {
    const topic: TopicState = { id: t.id, name: t.name, createdAt: t.createdAt, subs: new Set() };
    st.topics.set(t.name, topic);
    topicsById.set(t.id, topic);
    st.nextTopicId = Math.max(st.nextTopicId, t.id + 1);
  }
  for (const s of snap.subscriptions) {
    const topic = topicsById.get(s.topicId);
    if (!topic) continue;
    const sub = newSub(s.id, s.name, topic, s, s.createdAt);
    topic.subs.add(sub);
    st.subs.set(s.name, sub);
    subsById.set(s.id, sub);
    st.nextSubId = Math.max(st.nextSubId, s.id + 1);
  }
  const msgs = new Map<number, MessageState>();
  for (const m of snap.messages) {
    st.nextMsgId = Math.max(st.nextMsgId, m.id + 1);
    const topic = topicsById.get(m.topicId);
    if (!topic) continue;
    msgs.set(m.id, {
      id: m.id,
      topic,
      data: JSON.parse(m.data),
      attributes: m.attributes,
      publishTime: m.publishTime,
      expireTime: m.expireTime,
      refs: 0,
    });
  }
  // Deliveries come per subscription in message order, which keeps `deliveries` in publish order.
  for (const r of snap.deliveries) {
    const sub = subsById.get(r.subId);
    const msg = msgs.get(r.msgId);
    if (!sub || !msg) continue;
    const d: Delivery = {
      sub,
      msg,
      state: r.state,
      attempts: r.attempts,
      seq: r.seq,
      ackId: r.ackId,
      deadline: r.deadline ?? 0,
      deadAt: r.deadAt ?? 0,
      leaseEntry: null,
    };
    msg.refs++;
    sub.deliveries.set(msg.id, d);
    if (r.state === DeliveryState.Ready) {
      sub.ready.push(d);
      sub.readyCount++;
    } else if (r.state === DeliveryState.Leased && r.ackId) {
      sub.leasedCount++;
      st.byAckId.set(r.ackId, d);
      d.leaseEntry = { at: d.deadline, item: d, stamp: d.seq };
      st.leases.push(d.leaseEntry);
    } else if (r.state === DeliveryState.Dead) {
      sub.deadCount++;
    }
  }
  // Ids handed out before a crash may exceed what survived: never reuse them.
  st.nextMsgId = Math.max(st.nextMsgId, snap.messageIdFloor);
  st.messages = [...msgs.values()];
  return st;
}
