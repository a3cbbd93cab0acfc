// The GitHub integration's own durable state: webhook deliveries (for de-duplication and
// for processing after a crash) and the commit-status outbox. Writes join the current group
// commit, so a delivery marked processed and the job it created land on disk together.
import type { GitHubEvent } from './webhook-payloads';

export interface DeliveryRow {
  id: string;
  event: string;
  receivedAt: number;
  /** What the delivery asks for, already validated; null once processed. */
  payload: GitHubEvent | null;
  processedAt: number | null;
}

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** One commit status as GitHub should end up showing it. */
export interface StatusUpdate {
  repo: string;
  sha: string;
  context: string;
  state: CommitState;
  description: string;
  targetUrl: string;
  job: number;
}

/** The outbox keeps the latest wanted status per commit and context; `version` grows with each. */
export interface OutboxRow extends StatusUpdate {
  version: number;
  attempts: number;
  nextAt: number;
  lastError: string | null;
}

export interface GitHubStore {
  hasDelivery(id: string): boolean;
  addDelivery(row: DeliveryRow): void;
  markProcessed(id: string, at: number): void;
  unprocessedDeliveries(): DeliveryRow[];
  /** Forgets processed deliveries received before `before` (GitHub redelivers for days, not months). */
  pruneDeliveries(before: number): void;

  /** Replaces whatever was waiting for this commit and context: the newest wish wins, and
   * inherits the row's retry schedule (GitHub's trouble is not the wish's fault). */
  putStatus(s: StatusUpdate, at: number): void;
  /** Rows due at `now`, final states first. */
  dueStatuses(now: number, limit: number): OutboxRow[];
  nextStatusAt(): number | undefined;
  /** Removes the row if it still holds `version` (a newer wish stays queued). */
  ackStatus(row: OutboxRow): void;
  /** Backs the commit's row off, whatever version it holds now. */
  retryStatus(row: OutboxRow, nextAt: number, error: string): void;
  outboxSize(): number;
}
