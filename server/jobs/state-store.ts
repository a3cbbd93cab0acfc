// The state seam (DESIGN.md §8): jobs, tasks and attempts. Writes join the current group
// commit (see server/db/sqlite-db.ts); reads of finished work go to the store, active work
// is kept in memory by the job service.
import type { AttemptStatus, JobStatus, TaskStatus } from '../../src/shared/jobs/model';

export interface JobRow {
  id: number;
  status: JobStatus;
  finished: boolean;
  trigger: 'manual' | 'github' | 'api' | 'retry';
  title: string | null;
  repo: string | null;
  sha: string | null;
  ref: string | null;
  pr: number | null;
  rootTask: number;
  tasksTotal: number;
  tasksDone: number;
  tasksFailed: number;
  firstFailedTask: number | null;
  retryOf: number | null;
  createdAt: number;
  finishedAt: number | null;
  cancelReason: string | null;
  /** Environment every task of the job sees (REPO, SHA, …). */
  env: Record<string, string>;
  /** What the root task was, for Job.Retry. */
  root: { topic: string; args: string[]; env: Record<string, string>; image: string | null; name: string | null; timeoutSeconds: number };
}

export interface TaskRow {
  id: number;
  job: number;
  parent: number | null;
  name: string;
  topic: string;
  args: string[];
  env: Record<string, string>;
  image: string | null;
  timeoutSeconds: number;
  status: TaskStatus;
  attempts: number;
  exitCode: number | null;
  reason: string | null;
  agent: string | null;
  board: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  messageId: string | null;
}

export interface AttemptRow {
  task: number;
  attempt: number;
  status: AttemptStatus;
  agent: string;
  board: string | null;
  ackId: string;
  subscription: string;
  tokenHash: string;
  exitCode: number | null;
  reason: string | null;
  startedAt: number;
  finishedAt: number | null;
  logBytes: number;
}

export interface JobQuery {
  status?: JobStatus;
  finished?: boolean;
  repo?: string;
  pr?: number;
  /** Only jobs with a smaller id (paging newest first). */
  before?: number;
  limit: number;
}

export interface StateStore {
  maxIds(): { job: number; task: number };
  /** Unfinished jobs, their non-terminal tasks, and running attempts (what the service keeps in memory). */
  loadActive(): { jobs: JobRow[]; tasks: TaskRow[]; attempts: AttemptRow[] };
  putJob(row: JobRow): void;
  putTask(row: TaskRow): void;
  putAttempt(row: AttemptRow): void;
  getJob(id: number): JobRow | undefined;
  getTask(id: number): TaskRow | undefined;
  tasksOfJob(job: number): TaskRow[];
  attemptsOfTask(task: number): AttemptRow[];
  attemptByAckId(ackId: string): AttemptRow | undefined;
  listJobs(q: JobQuery): { jobs: JobRow[]; total: number };
  /** Jobs of a PR that are still running (GitHub supersede/close). */
  runningJobsOf(repo: string, pr: number): JobRow[];
  /** The newest job of one commit (GitHub statuses and reconcile). */
  newestJobOfCommit(repo: string, sha: string): JobRow | undefined;
}
