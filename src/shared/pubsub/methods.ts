// Pub/Sub method contracts, modeled after Google Cloud Pub/Sub (DESIGN.md §2).
import { z } from 'zod';
import { defineMethod } from '../rpc/contract';
import { ResourceName } from './names';

export const ACK_DEADLINE_MIN = 1;
export const ACK_DEADLINE_MAX = 600;
export const ACK_DEADLINE_DEFAULT = 60;
export const MAX_DELIVERY_ATTEMPTS_DEFAULT = 5;
export const RETENTION_DEFAULT_SECONDS = 7 * 24 * 3600;

/** Latest instant a JavaScript Date can hold (year 275760). */
const MAX_TIME_MS = 8.64e15;

/** RFC 3339 time, or milliseconds since the epoch. */
export const TimeInput = z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative().max(MAX_TIME_MS)]);

const Attributes = z.record(z.string().max(256), z.string().max(1024));

/** Deepest nesting accepted in message data. Storing and delivering a message serializes it
 * recursively, so unbounded depth would overflow the stack. */
export const MAX_DATA_DEPTH = 100;

function depthWithin(v: unknown, max: number): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (max === 0) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (!depthWithin(x, max - 1)) return false;
  return true;
}

export const OutgoingMessage = z.object({
  data: z.unknown().refine((v) => depthWithin(v, MAX_DATA_DEPTH), `data may nest at most ${MAX_DATA_DEPTH} levels deep`),
  attributes: Attributes.optional(),
  expireTime: TimeInput.optional(),
});

export const PubsubMessage = z.object({
  messageId: z.string(),
  data: z.unknown(),
  attributes: z.record(z.string(), z.string()),
  publishTime: z.string(),
  expireTime: z.string().optional(),
});
export type PubsubMessage = z.infer<typeof PubsubMessage>;

export const ReceivedMessage = z.object({
  ackId: z.string(),
  subscription: z.string(),
  deliveryAttempt: z.number().int(),
  message: PubsubMessage,
});
export type ReceivedMessage = z.infer<typeof ReceivedMessage>;

export const SubscriptionSettings = z.object({
  ackDeadlineSeconds: z.number().int().min(ACK_DEADLINE_MIN).max(ACK_DEADLINE_MAX).optional(),
  maxDeliveryAttempts: z.number().int().min(1).max(100).optional(),
  retentionSeconds: z.number().int().min(10).max(31 * 24 * 3600).optional(),
});

export const SubscriptionInfo = z.object({
  name: z.string(),
  topic: z.string(),
  ackDeadlineSeconds: z.number(),
  maxDeliveryAttempts: z.number(),
  retentionSeconds: z.number(),
  backlog: z.number(),
  inFlight: z.number(),
  deadLettered: z.number(),
  oldestUnackedAgeSeconds: z.number(),
  waitingPullers: z.number(),
});
export type SubscriptionInfo = z.infer<typeof SubscriptionInfo>;

const AckIds = z.array(z.string().min(1).max(200)).min(1).max(1000);

export const CreateTopic = defineMethod({
  name: 'PubSub.CreateTopic',
  summary: 'Create a topic and its default subscription (same name). Idempotent.',
  params: z.object({ name: ResourceName }),
  result: z.object({ name: z.string(), created: z.boolean() }),
  scopes: ['admin'],
});

export const DeleteTopic = defineMethod({
  name: 'PubSub.DeleteTopic',
  summary: 'Delete a topic, its subscriptions and their messages.',
  params: z.object({ name: ResourceName }),
  result: z.object({ deleted: z.boolean() }),
  scopes: ['admin'],
});

export const CreateSubscription = defineMethod({
  name: 'PubSub.CreateSubscription',
  summary: 'Create a subscription on a topic; idempotent when the settings match, 409 otherwise.',
  params: SubscriptionSettings.extend({ name: ResourceName, topic: ResourceName }),
  result: z.object({ subscription: SubscriptionInfo, created: z.boolean() }),
  scopes: ['admin'],
});

export const UpdateSubscription = defineMethod({
  name: 'PubSub.UpdateSubscription',
  summary: 'Change a subscription\'s settings; applies to deliveries made afterwards.',
  params: SubscriptionSettings.extend({ name: ResourceName }),
  result: z.object({ subscription: SubscriptionInfo }),
  scopes: ['admin'],
});

export const DeleteSubscription = defineMethod({
  name: 'PubSub.DeleteSubscription',
  summary: 'Delete a subscription and its undelivered messages.',
  params: z.object({ name: ResourceName }),
  result: z.object({ deleted: z.boolean() }),
  scopes: ['admin'],
});

export const ListTopics = defineMethod({
  name: 'PubSub.ListTopics',
  summary: 'Every topic with its subscriptions.',
  params: z.object({}),
  result: z.object({
    topics: z.array(z.object({ name: z.string(), subscriptions: z.array(z.string()), createdAt: z.string() })),
  }),
  scopes: ['viewer'],
});

export const ListSubscriptions = defineMethod({
  name: 'PubSub.ListSubscriptions',
  summary: 'Subscriptions with backlog, in-flight and dead-letter counts.',
  params: z.object({ topic: ResourceName.optional() }),
  result: z.object({ subscriptions: z.array(SubscriptionInfo) }),
  scopes: ['viewer'],
});

export const Publish = defineMethod({
  name: 'PubSub.Publish',
  summary: 'Publish messages to a topic (created on first use). Replies once they are on disk.',
  params: z.object({ topic: ResourceName, messages: z.array(OutgoingMessage).min(1).max(1000) }),
  result: z.object({ messageIds: z.array(z.string()) }),
  scopes: ['admin'],
});

export const Pull = defineMethod({
  name: 'PubSub.Pull',
  summary:
    'Long-poll pull: returns as soon as a message is available or after waitSeconds. `ackIds` acknowledges ' +
    'earlier deliveries in the same round trip; `subscriptions` pulls from several at once (an extension).',
  params: z
    .object({
      subscription: ResourceName.optional(),
      subscriptions: z.array(ResourceName).min(1).max(32).optional(),
      maxMessages: z.number().int().min(1).max(1000).optional(),
      waitSeconds: z.number().min(0).max(300).optional(),
      ackIds: z.array(z.string().min(1).max(200)).max(1000).optional(),
    })
    .refine((p) => p.subscription !== undefined || p.subscriptions !== undefined, {
      message: 'subscription or subscriptions is required',
    }),
  result: z.object({
    receivedMessages: z.array(ReceivedMessage),
    /** Piggy-backed ackIds that were refused (stale or unknown); the pull itself still succeeded. */
    lostAckIds: z.array(z.string()).optional(),
  }),
  scopes: ['agent'],
  delivers: true,
});

export const Acknowledge = defineMethod({
  name: 'PubSub.Acknowledge',
  summary: 'Acknowledge deliveries. A stale ackId fails the whole call with 409 and changes nothing.',
  params: z.object({ subscription: ResourceName, ackIds: AckIds }),
  result: z.object({ acknowledged: z.number() }),
  scopes: ['agent'],
});

export const ModifyAckDeadline = defineMethod({
  name: 'PubSub.ModifyAckDeadline',
  summary:
    'Extend leases (seconds from now) or release them at once with 0 (nack). The result names deliveries whose ' +
    'task was cancelled, so their holder can stop.',
  params: z.object({
    subscription: ResourceName,
    ackIds: AckIds,
    ackDeadlineSeconds: z.number().int().min(0).max(ACK_DEADLINE_MAX),
  }),
  result: z.object({ modified: z.number(), cancelledAckIds: z.array(z.string()) }),
  scopes: ['agent'],
});

export const ListDeadLetters = defineMethod({
  name: 'PubSub.ListDeadLetters',
  summary: 'Messages that exhausted maxDeliveryAttempts on a subscription.',
  params: z.object({ subscription: ResourceName, limit: z.number().int().min(1).max(1000).optional() }),
  result: z.object({
    messages: z.array(PubsubMessage.extend({ deliveryAttempt: z.number(), deadLetteredAt: z.string() })),
  }),
  scopes: ['viewer'],
});

export const Requeue = defineMethod({
  name: 'PubSub.Requeue',
  summary: 'Put dead-lettered messages back in the subscription\'s backlog with a fresh delivery budget.',
  params: z.object({ subscription: ResourceName, messageIds: z.array(z.string()).min(1).max(1000) }),
  result: z.object({ requeued: z.number() }),
  scopes: ['admin'],
});

export const pubsubMethods = [
  CreateTopic,
  DeleteTopic,
  CreateSubscription,
  UpdateSubscription,
  DeleteSubscription,
  ListTopics,
  ListSubscriptions,
  Publish,
  Pull,
  Acknowledge,
  ModifyAckDeadline,
  ListDeadLetters,
  Requeue,
] as const;
