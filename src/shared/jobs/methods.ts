// Job.* and Task.* contracts (DESIGN.md §3). `Task.Spawn` is the design's `spawn_task`.
import { z } from 'zod';
import { defineMethod } from '../rpc/contract';
import { ResourceName } from '../pubsub/names';
import { Args, Attempt, EnvMap, Job, JobStatus, Task } from './model';

const Id = z.string().min(1).max(64);
const Timeout = z.number().int().min(1).max(7 * 24 * 3600);

export const JobCreate = defineMethod({
  name: 'Job.Create',
  summary: 'Start a job with its root task on a topic.',
  params: z.object({
    topic: ResourceName,
    args: Args,
    env: EnvMap.optional(),
    image: z.string().max(512).optional(),
    name: z.string().max(200).optional(),
    title: z.string().max(500).optional(),
    repo: z.string().max(200).optional(),
    sha: z.string().max(64).optional(),
    ref: z.string().max(256).optional(),
    pr: z.number().int().positive().optional(),
    timeoutSeconds: Timeout.optional(),
  }),
  result: z.object({ job: z.string(), task: z.string() }),
  scopes: ['admin'],
});

export const JobList = defineMethod({
  name: 'Job.List',
  summary: 'Jobs, newest first, filtered and paged with an opaque cursor.',
  params: z.object({
    status: JobStatus.optional(),
    finished: z.boolean().optional(),
    repo: z.string().max(200).optional(),
    pr: z.number().int().optional(),
    limit: z.number().int().min(1).max(500).optional(),
    cursor: z.string().max(64).optional(),
  }),
  result: z.object({ jobs: z.array(Job), nextCursor: z.string().optional(), total: z.number().int() }),
  scopes: ['viewer'],
});

export const JobGet = defineMethod({
  name: 'Job.Get',
  summary: 'A job and the flat list of its tasks.',
  params: z.object({ job: Id }),
  result: z.object({ job: Job, tasks: z.array(Task) }),
  scopes: ['viewer', 'task'],
});

export const JobCancel = defineMethod({
  name: 'Job.Cancel',
  summary: 'Cancel every unfinished task of a job; running ones are signalled (SIGTERM, 10 s grace, SIGKILL).',
  params: z.object({ job: Id, reason: z.string().max(500).optional() }),
  result: z.object({ job: Job, cancelledTasks: z.number().int() }),
  scopes: ['admin'],
});

export const JobRetry = defineMethod({
  name: 'Job.Retry',
  summary: 'Start a new job with the same root task, repository and commit as this one.',
  params: z.object({ job: Id }),
  result: z.object({ job: z.string(), task: z.string() }),
  scopes: ['admin'],
});

export const JobWait = defineMethod({
  name: 'Job.Wait',
  summary: 'Long poll: returns the job when it finishes, or as it is after waitSeconds.',
  params: z.object({ job: Id, waitSeconds: z.number().min(0).max(300).optional() }),
  result: z.object({ job: Job }),
  scopes: ['viewer', 'task'],
});

export const TaskSpawn = defineMethod({
  name: 'Task.Spawn',
  summary: "Spawn a task into a job: a task token spawns into its own job (child of its task); admin names the job.",
  params: z.object({
    topic: ResourceName,
    args: Args,
    env: EnvMap.optional(),
    image: z.string().max(512).optional(),
    name: z.string().max(200).optional(),
    timeoutSeconds: Timeout.optional(),
    job: Id.optional(),
    parent: Id.optional(),
    /** Makes a resend safe: a second spawn with the same requestId in the same job returns the first task. */
    requestId: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/).optional(),
  }),
  result: z.object({ task: z.string(), job: z.string() }),
  scopes: ['task', 'admin'],
});

const TaskStartParams = z.object({
  ackId: z.string().min(1).max(200),
  agent: z.string().max(200).optional(),
  board: z.string().max(200).optional(),
});

const TaskStartResult = z.object({
  task: Task,
  job: Job,
  attempt: z.number().int(),
  token: z.string(),
  blobUrl: z.string(),
  /** The full environment of DESIGN.md §5 (task env, job env, OURCI_* and BUILD_* variables). */
  env: z.record(z.string(), z.string()),
  args: z.array(z.string()),
  timeoutSeconds: z.number(),
  /** The subscription's lease length: extend well before it runs out (about every third). */
  ackDeadlineSeconds: z.number(),
});

export const TaskStart = defineMethod({
  name: 'Task.Start',
  summary: 'Begin an attempt for a delivery; returns the task, its environment and the attempt\'s scoped token.',
  params: TaskStartParams,
  result: TaskStartResult,
  scopes: ['agent'],
});

const TaskFinishParams = z.object({
  ackId: z.string().min(1).max(200),
  exitCode: z.number().int().min(-1024).max(1024),
  reason: z.enum(['exit', 'timeout', 'cancelled', 'error', 'signal']).optional(),
  message: z.string().max(2000).optional(),
});

export const TaskFinish = defineMethod({
  name: 'Task.Finish',
  summary: 'End an attempt and acknowledge its message in one step. Counted once; a stale ackId is 409.',
  params: TaskFinishParams,
  result: z.object({ task: Task }),
  scopes: ['agent'],
});

/**
 * An agent's hot path in one round trip instead of three (an extension of the catalogue):
 * `Task.Finish` of the previous attempt, then `PubSub.Pull` (one message, long poll) and
 * `Task.Start` of what it got. Each step means exactly what the separate method does: the
 * finish is applied (and durable) before the poll starts; a refused finish (409) fails the
 * call without pulling; a delivery whose task cannot start (it ended meanwhile) is skipped as
 * an agent would skip it, and the poll goes on. If the reply is lost, the started attempt's
 * lease runs out and the task is delivered again, as after a lost `PubSub.Pull` reply.
 */
export const TaskNext = defineMethod({
  name: 'Task.Next',
  summary:
    'Finish the previous attempt (optional, as Task.Finish), then long-poll the subscriptions for one message ' +
    'and start its task (as PubSub.Pull + Task.Start): the agent loop in one round trip.',
  params: z.object({
    subscriptions: z.array(ResourceName).min(1).max(32),
    waitSeconds: z.number().min(0).max(300).optional(),
    agent: z.string().max(200).optional(),
    board: z.string().max(200).optional(),
    finish: TaskFinishParams.optional(),
  }),
  result: z.object({
    /** The finished task, when `finish` was given. */
    finished: Task.optional(),
    /** The started attempt, unless the poll timed out. */
    next: z
      .object({
        ackId: z.string(),
        subscription: z.string(),
        deliveryAttempt: z.number().int(),
        start: TaskStartResult,
      })
      .optional(),
  }),
  scopes: ['agent'],
  delivers: true,
});

export const TaskGet = defineMethod({
  name: 'Task.Get',
  summary: 'A task with its attempts.',
  params: z.object({ task: Id }),
  result: z.object({ task: Task, attempts: z.array(Attempt) }),
  scopes: ['viewer', 'task'],
});

export const TaskCancel = defineMethod({
  name: 'Task.Cancel',
  summary: 'Cancel one task: dropped if queued, signalled if running.',
  params: z.object({ task: Id, reason: z.string().max(500).optional() }),
  result: z.object({ task: Task }),
  scopes: ['admin'],
});

export const jobMethods = [
  JobCreate,
  JobList,
  JobGet,
  JobCancel,
  JobRetry,
  JobWait,
  TaskSpawn,
  TaskStart,
  TaskFinish,
  TaskNext,
  TaskGet,
  TaskCancel,
] as const;
