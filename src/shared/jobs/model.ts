// Jobs and tasks as every layer sees them (DESIGN.md §1). A job is one goal (a PR head commit,
// a push, a manual run) made of tasks spawned at run time; a task is one build request on a
// topic plus the master's record of its attempts.
import { z } from 'zod';

/** The job's verdict as a PR sees it: `failure` as soon as a task fails, even while others run. */
export const JobStatus = z.enum(['running', 'success', 'failure', 'error', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatus>;

export const TaskStatus = z.enum(['queued', 'running', 'success', 'failure', 'error', 'timeout', 'cancelled', 'expired']);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['success', 'failure', 'error', 'timeout', 'cancelled', 'expired'];
export const isTerminalTask = (s: TaskStatus): boolean => TERMINAL_TASK_STATUSES.includes(s);

/** How one attempt ended. `lost`: its agent stopped renewing the lease (the task is retried). */
export const AttemptStatus = z.enum(['running', 'success', 'failure', 'error', 'timeout', 'cancelled', 'lost', 'released']);
export type AttemptStatus = z.infer<typeof AttemptStatus>;

export const Trigger = z.enum(['manual', 'github', 'api', 'retry']);

export const Job = z.object({
  id: z.string(),
  status: JobStatus,
  finished: z.boolean(),
  trigger: Trigger,
  title: z.string().optional(),
  repo: z.string().optional(),
  sha: z.string().optional(),
  ref: z.string().optional(),
  pr: z.number().int().optional(),
  rootTask: z.string(),
  tasksTotal: z.number().int(),
  tasksDone: z.number().int(),
  tasksFailed: z.number().int(),
  /** The first task that failed (for links to it), if any. */
  firstFailedTask: z.string().optional(),
  retryOf: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  cancelReason: z.string().optional(),
});
export type Job = z.infer<typeof Job>;

export const Task = z.object({
  id: z.string(),
  job: z.string(),
  parent: z.string().optional(),
  name: z.string(),
  topic: z.string(),
  args: z.array(z.string()),
  image: z.string().optional(),
  timeoutSeconds: z.number(),
  status: TaskStatus,
  attempts: z.number().int(),
  exitCode: z.number().int().optional(),
  reason: z.string().optional(),
  agent: z.string().optional(),
  board: z.string().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Names of the env variables given to the task (values are not shown: they may be secrets). */
  envKeys: z.array(z.string()),
});
export type Task = z.infer<typeof Task>;

export const Attempt = z.object({
  task: z.string(),
  attempt: z.number().int(),
  status: AttemptStatus,
  agent: z.string(),
  board: z.string().optional(),
  exitCode: z.number().int().optional(),
  reason: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  logBytes: z.number(),
});
export type Attempt = z.infer<typeof Attempt>;

export const EnvMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names are shell identifiers'), z.string().max(65536));

export const Args = z.array(z.string().max(65536)).min(1).max(1000);

export const DEFAULT_TASK_TIMEOUT_SECONDS = 3600;
export const DEFAULT_FANOUT_CAP = 1000;
