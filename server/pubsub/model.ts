// In-memory state of the Pub/Sub service. Memory is the source of truth for decisions;
// the queue store is its durable mirror, reloaded at start.
import { Deque } from './deque';
import type { HeapEntry } from './min-heap';
import { DeliveryState } from './queue-store';

export interface TopicState {
  id: number;
  name: string;
  createdAt: number;
  subs: Set<SubState>;
}

export interface MessageState {
  id: number;
  topic: TopicState;
  data: unknown;
  attributes: Record<string, string>;
  publishTime: number;
  expireTime: number | null;
  /** Live deliveries (one per subscription that has not acked or dropped it). */
  refs: number;
}

export interface Delivery {
  sub: SubState;
  msg: MessageState;
  state: DeliveryState | -1; // -1: gone (acked or dropped); lets lazy queues skip it
  attempts: number;
  seq: number;
  ackId: string | null;
  deadline: number;
  deadAt: number;
  /**
   * The current lease's heap entry, detached when the lease ends or moves: the stale entries
   * (up to ~1,000 between sweeps) then hold no acknowledged message or payload.
   */
  leaseEntry: HeapEntry<Delivery | null> | null;
}

export interface Waiter {
  subs: SubState[];
  max: number;
  done: boolean;
  resolve(ds: Delivery[]): void;
}

export interface SubState {
  id: number;
  name: string;
  topic: TopicState;
  ackDeadlineSeconds: number;
  maxDeliveryAttempts: number;
  retentionSeconds: number;
  createdAt: number;
  /** By message id, in publish order. */
  deliveries: Map<number, Delivery>;
  /** Ready deliveries, oldest first (redeliveries go to the front); may hold gone entries. */
  ready: Deque<Delivery>;
  readyCount: number;
  leasedCount: number;
  deadCount: number;
  waiters: Waiter[];
}

export function newSub(
  id: number,
  name: string,
  topic: TopicState,
  s: { ackDeadlineSeconds: number; maxDeliveryAttempts: number; retentionSeconds: number },
  createdAt: number,
): SubState {
  return {
    id,
    name,
    topic,
    ackDeadlineSeconds: s.ackDeadlineSeconds,
    maxDeliveryAttempts: s.maxDeliveryAttempts,
    retentionSeconds: s.retentionSeconds,
    createdAt,
    deliveries: new Map(),
    ready: new Deque(),
    readyCount: 0,
    leasedCount: 0,
    deadCount: 0,
    waiters: [],
  };
}

/** Why a message left a subscription without being acknowledged. */
export type DropReason = 'dead-letter' | 'expired' | 'retention';

export interface DropEvent {
  subscription: string;
  messageId: string;
  data: unknown;
  attributes: Record<string, string>;
  deliveryAttempt: number;
  reason: DropReason;
}

export interface LeaseEvent {
  subscription: string;
  messageId: string;
  ackId: string;
  data: unknown;
  attributes: Record<string, string>;
  deliveryAttempt: number;
}

/** How the layers above (tasks, metrics) learn what the queue did. All optional. */
export interface PubSubHooks {
  /** Dead-lettered, expired or past retention. A dead letter may be requeued later. */
  onDrop?(ev: DropEvent): void;
  /** A lease ran out without ack or nack: its holder is presumed lost. */
  onLeaseExpired?(ev: LeaseEvent): void;
  /** The holder released its lease (ModifyAckDeadline 0). */
  onNack?(ev: LeaseEvent): void;
  /** Asked on every lease extension; true tells the holder its work was cancelled. */
  isCancelled?(ev: LeaseEvent): boolean;
  /** A first delivery was made `sincePublishMs` after its publish (dispatch latency). */
  onDelivered?(subscription: string, sincePublishMs: number): void;
}
