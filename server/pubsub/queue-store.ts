// The queue seam (DESIGN.md §8): what the Pub/Sub service needs from durable storage.
// Writes are fire-and-forget into the current group commit; the caller awaits the commit
// before replying. The embedded implementation is SQLite; a replicated one would sit here too.

export const enum DeliveryState {
  Ready = 0,
  Leased = 1,
  Dead = 2,
}

export interface TopicRow {
  id: number;
  name: string;
  createdAt: number;
}

export interface SubscriptionRow {
  id: number;
  name: string;
  topicId: number;
  ackDeadlineSeconds: number;
  maxDeliveryAttempts: number;
  retentionSeconds: number;
  createdAt: number;
}

export interface MessageRow {
  id: number;
  topicId: number;
  /** JSON text of the message's data. */
  data: string;
  attributes: Record<string, string>;
  publishTime: number;
  expireTime: number | null;
}

export interface DeliveryRow {
  subId: number;
  msgId: number;
  state: DeliveryState;
  attempts: number;
  seq: number;
  ackId: string | null;
  deadline: number | null;
  deadAt: number | null;
}

export interface QueueSnapshot {
  topics: TopicRow[];
  subscriptions: SubscriptionRow[];
  messages: Iterable<MessageRow>;
  /** Message ids below this may have been handed out already (see reserveMessageIds). */
  messageIdFloor: number;
  deliveries: Iterable<DeliveryRow>;
}

export interface QueueStore {
  load(): QueueSnapshot;
  insertTopic(row: TopicRow): void;
  deleteTopic(id: number): void;
  upsertSubscription(row: SubscriptionRow): void;
  deleteSubscription(id: number): void;
  insertMessage(row: MessageRow): void;
  /** The message has no delivery left. May be applied later than the current commit. */
  deleteMessage(id: number): void;
  /** A delivery that is not in the store yet (publish). */
  insertDelivery(row: DeliveryRow): void;
  /** Any later change of a delivery. */
  putDelivery(row: DeliveryRow): void;
  deleteDelivery(subId: number, msgId: number): void;
  /** Records that ids below `upTo` may be in use, so a restart never hands one out again
   * (acked messages leave no row behind to remember them by). */
  reserveMessageIds(upTo: number): void;
  /** Resolves once every write issued so far is durable. */
  commit(): Promise<void>;
}
