// GitHub never redelivers a webhook that failed, so at start the master looks for itself:
// every open PR of each configured repository whose head commit has no final status from
// our context gets a job, unless the database already has one for that commit (an
// unfinished one resumes by itself; a finished one gets its status written again if GitHub
// does not show it).
import type { Logger } from 'pino';
import type { Job } from '../../src/shared/jobs/model';
import type { GitHubApi } from './github-api';
import type { GitHubJobs } from './github-jobs';
import { statusOf } from './status-text';

export interface ReconcilerOptions {
  api: GitHubApi;
  githubJobs: GitHubJobs;
  repos: readonly string[];
  context: string;
  /** Newest job of a commit, in the wire shape. */
  newestJobOf: (repo: string, sha: string) => Job | undefined;
  /** Writes a job's current status to the outbox again. */
  refresh: (job: Job) => void;
  publicUrl: () => string;
  log: Logger;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface ReconcileResult {
  repo: string;
  openPrs: number;
  started: number;
  resumed: number;
  repaired: number;
}

export class Reconciler {
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly o: ReconcilerOptions) {}

  /** Reconciles every repository, retrying each until it succeeds or the master stops. */
  async run(): Promise<ReconcileResult[]> {
    const out: ReconcileResult[] = [];
    for (const repo of this.o.repos) {
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          out.push(await this.reconcile(repo));
          break;
        } catch (err) {
          if (this.closed) break;
          const ms = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** Math.min(attempt, 30));
          this.o.log.warn({ repo, err: (err as Error).message, retryInMs: ms }, 'github: could not reconcile open pull requests; will retry');
          await this.sleep(ms);
        }
      }
    }
    return out;
  }

  async reconcile(repo: string): Promise<ReconcileResult> {
    const [owner, name] = repo.split('/') as [string, string];
    const octokit = await this.o.api.forRepo(repo);
    const r: ReconcileResult = { repo, openPrs: 0, started: 0, resumed: 0, repaired: 0 };
    const pages = octokit.paginate.iterator(octokit.rest.pulls.list, { owner, repo: name, state: 'open', per_page: 100 });
    for await (const page of pages) {
      for (const pr of page.data) {
        if (this.closed) return r;
        r.openPrs++;
        const sha = pr.head.sha;
        const job = this.o.newestJobOf(repo, sha);
        if (job && !job.finished) {
          r.resumed++;
          continue;
        }
        const combined = await octokit.rest.repos.getCombinedStatusForRef({ owner, repo: name, ref: sha, per_page: 100 });
        const ours = combined.data.statuses.find((s) => s.context === this.o.context);
        const final = ours !== undefined && ours.state !== 'pending';
        if (job) {
          // Finished here; make GitHub agree (its final status may have been refused or lost).
          if (ours?.state !== statusOf(job, this.o.publicUrl(), () => undefined).state) {
            this.o.refresh(job);
            r.repaired++;
          }
          continue;
        }
        if (final) continue;
        const started = this.o.githubJobs.startForPr({
          repo,
          sha,
          ref: pr.head.ref,
          pr: pr.number,
          title: pr.title,
          cloneUrl: pr.base.repo.clone_url ?? `https://github.com/${repo}.git`,
        });
        if (started) r.started++;
      }
    }
    this.o.log.info(r, 'github: reconciled open pull requests');
    return r;
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        if (this.timer) clearTimeout(this.timer);
        this.wake = null;
        resolve();
      };
      this.timer = setTimeout(() => this.wake?.(), ms);
    });
  }
}
