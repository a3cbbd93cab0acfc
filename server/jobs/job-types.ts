// Types of the job service: its options, its inputs, and the in-memory records of active work.
import type { JobRow, StateStore, TaskRow, AttemptRow } from './state-store';
import type { EventHub } from '../events/event-hub';
import type { LogStore } from '../logs/log-store';
import type { HookHub } from '../pubsub/hook-hub';
import type { PubSubService } from '../pubsub/pubsub-service';
import type { Channel } from '../rpc/registry';
import type { TaskTokens } from './task-tokens';

export interface JobServiceOptions {
  store: StateStore;
  pubsub: PubSubService;
  hooks: HookHub;
  events: EventHub;
  logs: LogStore;
  tokens: TaskTokens;
  /** Base URL tasks use to reach the master (OURCI_URL). */
  publicUrl: () => string;
  blobUrl: (job: string, token: string) => string;
  fanoutCap?: number;
  /** Time past a task's timeout after which the master ends it even if its agent vanished. */
  timeoutGraceMs?: number;
  /** Time a cancelled task's agent gets to report before the master ends it anyway. */
  cancelGraceMs?: number;
  /** Tells the agent registry which task a connection is running. */
  onAttempt?: (channel: Channel | undefined, current: { job: string; task: string } | undefined) => void;
  now?: () => number;
}

export interface CreateJobInput {
  topic: string;
  args: string[];
  env?: Record<string, string>;
  image?: string;
  name?: string;
  title?: string;
  repo?: string;
  sha?: string;
  ref?: string;
  pr?: number;
  timeoutSeconds?: number;
  trigger?: JobRow['trigger'];
  retryOf?: number;
  /** Extra environment for every task of the job (e.g. a clone URL). */
  jobEnv?: Record<string, string>;
}

export interface SpawnInput {
  topic: string;
  args: string[];
  env?: Record<string, string>;
  image?: string;
  name?: string;
  timeoutSeconds?: number;
  job?: string;
  parent?: string;
  /** The spawner's idempotency key: a resend returns the task the first call made. */
  requestId?: string;
}

export interface NextInput {
  subscriptions: string[];
  waitMs: number;
  agent: string;
  board?: string;
  finish?: { ackId: string; exitCode: number; reason?: string; message?: string };
}

export interface ActiveJob {
  row: JobRow;
  active: Set<ActiveTask>;
  waiters: Set<() => void>;
  /** Task.Spawn requestIds seen in this process's life → the task each made. */
  spawnKeys: Map<string, number>;
  /** Loaded at start: spawns from before the restart are only in the store. */
  restored: boolean;
}

export interface ActiveTask {
  row: TaskRow;
  job: ActiveJob;
  cancel: { reason: string; timer: NodeJS.Timeout | null } | null;
  attempt: ActiveAttempt | null;
}

export interface ActiveAttempt {
  row: AttemptRow;
  task: ActiveTask;
  timer: NodeJS.Timeout | null;
  channel?: Channel;
  /** Loaded from the store at start (the master restarted while it ran). */
  restored?: boolean;
}
