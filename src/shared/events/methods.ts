// Events.* contracts: live updates for UIs over the WebSocket (DESIGN.md §3).
// Topics: "jobs" (every job change), "job/<id>" (a job and its tasks), "task/<id>/log"
// (log chunks of a task's attempts), "agents", "boards", "queues".
import { z } from 'zod';
import { defineMethod } from '../rpc/contract';

export const EventTopic = z
  .string()
  .regex(/^(jobs|agents|boards|queues|job\/[A-Za-z0-9_-]{1,64}|task\/[A-Za-z0-9_-]{1,64}\/log)$/, 'unknown event topic');

export const EventsSubscribe = defineMethod({
  name: 'Events.Subscribe',
  summary: 'Receive `Events.Event` notifications for these topics on this connection (WebSocket only).',
  params: z.object({ topics: z.array(EventTopic).min(1).max(100) }),
  result: z.object({ subscribed: z.array(z.string()) }),
  scopes: ['viewer'],
});

export const EventsUnsubscribe = defineMethod({
  name: 'Events.Unsubscribe',
  summary: 'Stop notifications for these topics on this connection.',
  params: z.object({ topics: z.array(EventTopic).min(1).max(100) }),
  result: z.object({ subscribed: z.array(z.string()) }),
  scopes: ['viewer'],
});

/** Payload of the `Events.Event` notification. */
export const EventNotification = z.object({
  topic: z.string(),
  /** job.created | job.updated | task.created | task.updated | log.chunk | agent.* | board.* | queue.* */
  type: z.string(),
  data: z.unknown(),
});
export type EventNotification = z.infer<typeof EventNotification>;

export const EVENT_METHOD = 'Events.Event';

export const eventMethods = [EventsSubscribe, EventsUnsubscribe] as const;
