// Sends the outbox's commit statuses to GitHub, one request at a time (GitHub's advice for
// writes, and what keeps one commit's updates in order). Transient failures back off
// exponentially; rate limits hold every request until GitHub's Retry-After or reset time;
// permanent refusals are logged and dropped. Rows leave the outbox only once GitHub took
// them, so a restart resumes where the last run stopped.
import type { Logger } from 'pino';
import type { GitHubApi } from './github-api';
import { retryAdvice } from './github-api';
import type { GitHubStore, OutboxRow } from './github-store';

export interface StatusOutboxOptions {
  store: GitHubStore;
  api: GitHubApi;
  log: Logger;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Least time between two POSTs. */
  gapMs: number;
  now?: () => number;
  /** Told about each status GitHub accepted (tests, metrics). */
  onSent?: (row: OutboxRow) => void;
}

export class StatusOutbox {
  private readonly now: () => number;
  private running = false;
  private again = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private heldUntil = 0;
  private lastPostAt = 0;
  /** Statuses GitHub accepted and refused for good, since start. */
  sent = 0;
  dropped = 0;

  constructor(private readonly o: StatusOutboxOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Something was queued: send it soon. */
  poke(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pump();
    }, Math.max(0, ms));
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      for (;;) {
        this.again = false;
        const hold = Math.max(this.heldUntil, this.lastPostAt + this.o.gapMs) - this.now();
        if (hold > 0) return this.schedule(hold);
        const [row] = this.o.store.dueStatuses(this.now(), 1);
        if (!row) break;
        await this.send(row);
        if (this.closed) return;
      }
      const next = this.o.store.nextStatusAt();
      if (next !== undefined) this.schedule(next - this.now());
    } catch (err) {
      this.o.log.error({ err }, 'github: status outbox failed; retrying in a while');
      this.schedule(this.o.retryMaxMs);
    } finally {
      this.running = false;
      if (this.again && !this.timer) this.schedule(0);
    }
  }

  private async send(row: OutboxRow): Promise<void> {
    const [owner, repo] = row.repo.split('/') as [string, string];
    this.lastPostAt = this.now();
    try {
      const octokit = await this.o.api.forRepo(row.repo);
      await octokit.rest.repos.createCommitStatus({
        owner,
        repo,
        sha: row.sha,
        state: row.state,
        context: row.context,
        description: row.description,
        target_url: row.targetUrl,
      });
      if (this.closed) return;
      this.o.store.ackStatus(row);
      this.sent++;
      this.o.onSent?.(row);
    } catch (err) {
      if (this.closed) return;
      const backoff = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** Math.min(row.attempts, 30));
      const jittered = Math.round(backoff * (0.8 + Math.random() * 0.4));
      const advice = retryAdvice(err, jittered, this.now());
      const message = (err as Error).message ?? String(err);
      const what = { repo: row.repo, sha: row.sha, state: row.state, status: (err as { status?: number }).status };
      if (!advice.retry) {
        this.o.log.error({ ...what, err: message }, 'github: commit status refused; dropped (check the token\'s statuses: write permission)');
        this.o.store.ackStatus(row);
        this.dropped++;
        return;
      }
      const at = this.now() + advice.ms;
      if (advice.global) this.heldUntil = Math.max(this.heldUntil, at);
      this.o.store.retryStatus(row, at, message);
      this.o.log.warn({ ...what, retryInMs: advice.ms, attempts: row.attempts + 1, err: message }, 'github: commit status not sent; will retry');
    }
  }
}
