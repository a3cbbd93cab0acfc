// GitHub events → jobs: a PR head commit or a push becomes a job whose root task runs the
// configured trampoline; a new head commit cancels the PR's older jobs; a closed PR cancels
// its running jobs. Used by webhook deliveries and by the start-up reconcile alike.
import type { Logger } from 'pino';
import type { JobService } from '../jobs/job-service';
import type { GitHubEvent } from './webhook-payloads';

export type JobsPort = Pick<JobService, 'createJob' | 'cancelJob' | 'activeJobsOf'>;

export interface GitHubJobsOptions {
  jobs: JobsPort;
  topic: string;
  command: readonly string[];
  cancelSuperseded: boolean;
  log: Logger;
}

export interface CommitJob {
  repo: string;
  sha: string;
  /** Branch name (PR head branch, or the pushed branch). */
  ref: string;
  pr?: number;
  title: string;
  cloneUrl: string;
}

export const short = (sha: string): string => sha.slice(0, 7);

export class GitHubJobs {
  constructor(private readonly o: GitHubJobsOptions) {}

  /** Applies one delivery; returns the job it started, if any. */
  apply(ev: GitHubEvent): string | undefined {
    if (ev.kind === 'push') return this.start({ repo: ev.repo, sha: ev.sha, ref: ev.ref, title: ev.title, cloneUrl: ev.cloneUrl });
    if (ev.action === 'closed') {
      this.cancelPr(ev.repo, ev.pr, `pull request #${ev.pr} was ${ev.merged ? 'merged' : 'closed'}`);
      return undefined;
    }
    return this.startForPr({ repo: ev.repo, sha: ev.sha, ref: ev.ref, pr: ev.pr, title: ev.title, cloneUrl: ev.cloneUrl });
  }

  /** A job for the PR's head commit, unless one is already running for it. */
  startForPr(c: CommitJob & { pr: number }): string | undefined {
    const active = this.o.jobs.activeJobsOf(c.repo, c.pr);
    if (this.o.cancelSuperseded) {
      for (const j of active) {
        if (j.sha !== c.sha && j.cancelReason === null) this.o.jobs.cancelJob(j.id, `superseded by ${short(c.sha)}`);
      }
    }
    const same = active.find((j) => j.sha === c.sha && j.cancelReason === null);
    if (same) {
      this.o.log.info({ repo: c.repo, pr: c.pr, sha: c.sha, job: same.id }, 'github: head commit already has a running job');
      return undefined;
    }
    return this.start(c);
  }

  cancelPr(repo: string, pr: number, reason: string): number {
    let n = 0;
    for (const j of this.o.jobs.activeJobsOf(repo, pr)) {
      if (j.cancelReason !== null) continue;
      this.o.jobs.cancelJob(j.id, reason);
      n++;
    }
    if (n > 0) this.o.log.info({ repo, pr, jobs: n }, `github: ${reason}; cancelled its jobs`);
    return n;
  }

  private start(c: CommitJob): string {
    const { job } = this.o.jobs.createJob({
      topic: this.o.topic,
      args: [...this.o.command],
      repo: c.repo,
      sha: c.sha,
      ref: c.ref,
      pr: c.pr,
      title: c.title,
      trigger: 'github',
      jobEnv: { CLONE_URL: c.cloneUrl },
    });
    this.o.log.info({ repo: c.repo, sha: c.sha, pr: c.pr, job }, 'github: started a job');
    return job;
  }
}
