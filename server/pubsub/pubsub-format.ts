// Wire shapes of the Pub/Sub state (src/shared/pubsub/methods.ts) and its store rows.
import type { PubsubMessage, ReceivedMessage } from '../../src/shared/pubsub/methods';
import type { Delivery, MessageState, SubState } from './model';
import { DeliveryState, type DeliveryRow, type SubscriptionRow } from './queue-store';

export function formatMessage(m: MessageState): PubsubMessage {
  const out: PubsubMessage = {
    messageId: String(m.id),
    data: m.data,
    attributes: m.attributes,
    publishTime: new Date(m.publishTime).toISOString(),
  };
  if (m.expireTime !== null) out.expireTime = new Date(m.expireTime).toISOString();
  return out;
}

export function received(d: Delivery): ReceivedMessage {
  return { ackId: d.ackId!, subscription: d.sub.name, deliveryAttempt: d.attempts, message: formatMessage(d.msg) };
}

export function subRow(sub: SubState): SubscriptionRow {
  return {
    id: sub.id,
    name: sub.name,
    topicId: sub.topic.id,
    ackDeadlineSeconds: sub.ackDeadlineSeconds,
    maxDeliveryAttempts: sub.maxDeliveryAttempts,
    retentionSeconds: sub.retentionSeconds,
    createdAt: sub.createdAt,
  };
}

export function deliveryRow(d: Delivery): DeliveryRow {
  return {
    subId: d.sub.id,
    msgId: d.msg.id,
    state: d.state as DeliveryState,
    attempts: d.attempts,
    seq: d.seq,
    ackId: d.state === DeliveryState.Leased ? d.ackId : null,
    deadline: d.state === DeliveryState.Leased ? d.deadline : null,
    deadAt: d.state === DeliveryState.Dead ? d.deadAt : null,
  };
}
