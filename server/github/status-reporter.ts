// Job events → the commit-status outbox. State changes (pending → failure, → success, …) go
// out at once; progress within one state ("3/7 tasks done") at most once per interval, the
// last one winning. Only the newest job of a commit speaks for it, so a cancelled older job
// can never overwrite its retry. Writes join the job's own group commit.
import type { Logger } from 'pino';
import type { Job } from '../../src/shared/jobs/model';
import type { GitHubStore, StatusUpdate } from './github-store';
import { statusOf, type TaskInfo } from './status-text';

export interface StatusReporterOptions {
  store: GitHubStore;
  context: string;
  intervalMs: number;
  publicUrl: () => string;
  task: (id: string) => TaskInfo | undefined;
  /** Id of the newest job recorded for this commit, if any. */
  newestJobOf: (repo: string, sha: string) => number | undefined;
  /** Tells the outbox there is something to send. */
  poke: () => void;
  log: Logger;
  now?: () => number;
}

interface CommitState {
  job: number;
  state?: string;
  description?: string;
  sentAt: number;
  timer: NodeJS.Timeout | null;
  latest: Job | null;
}

export class StatusReporter {
  private readonly commits = new Map<string, CommitState>();
  private readonly now: () => number;

  constructor(private readonly o: StatusReporterOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Reports jobs started from GitHub (and their retries) that name a repository and commit. */
  static concerns(job: Job): job is Job & { repo: string; sha: string } {
    return Boolean(job.repo && job.sha && (job.trigger === 'github' || job.trigger === 'retry'));
  }

  onJob(job: Job): void {
    if (!StatusReporter.concerns(job)) return;
    const key = `${job.repo}@${job.sha}`;
    const id = Number(job.id);
    let c = this.commits.get(key);
    if (!c || id > c.job) {
      const newest = this.o.newestJobOf(job.repo, job.sha) ?? 0;
      if (newest > id) return;
      if (c?.timer) clearTimeout(c.timer);
      c = { job: id, sentAt: 0, timer: null, latest: null };
      this.commits.set(key, c);
    } else if (id < c.job) return;
    const text = statusOf(job, this.o.publicUrl(), this.o.task);
    const sameState = text.state === c.state;
    if (job.finished) {
      if (c.timer) clearTimeout(c.timer);
      this.commits.delete(key);
      if (!(sameState && text.description === c.description)) this.write(c, job, text);
      return;
    }
    if (sameState && text.description === c.description) return;
    const wait = c.sentAt + this.o.intervalMs - this.now();
    if (!sameState || wait <= 0) {
      if (c.timer) clearTimeout(c.timer);
      c.timer = null;
      this.write(c, job, text);
      return;
    }
    c.latest = job;
    c.timer ??= setTimeout(() => {
      const cur = this.commits.get(key);
      if (cur !== c || !c.latest) return;
      c.timer = null;
      const latest = c.latest;
      c.latest = null;
      this.onJob(latest);
    }, wait);
    c.timer.unref();
  }

  /** Writes a job's current status even if it was written before (repairs after a restart). */
  refresh(job: Job): void {
    const c = this.commits.get(`${job.repo}@${job.sha}`);
    if (c) {
      c.state = undefined;
      c.description = undefined;
    }
    this.onJob(job);
  }

  close(): void {
    for (const c of this.commits.values()) if (c.timer) clearTimeout(c.timer);
    this.commits.clear();
  }

  private write(c: CommitState, job: Job & { repo: string; sha: string }, text: ReturnType<typeof statusOf>): void {
    c.state = text.state;
    c.description = text.description;
    c.sentAt = this.now();
    const u: StatusUpdate = { repo: job.repo, sha: job.sha, context: this.o.context, job: Number(job.id), ...text };
    this.o.store.putStatus(u, this.now());
    this.o.poke();
  }
}
