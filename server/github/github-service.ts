// The GitHub integration, wired: webhook route → inbox → jobs; job events → status reporter
// → outbox → GitHub; reconcile at start. The master creates it with its services and calls
// start() once it listens (links in statuses need the public URL).
import type { Logger } from 'pino';
import type { Job } from '../../src/shared/jobs/model';
import type { SqliteDb } from '../db/sqlite-db';
import type { EventHub } from '../events/event-hub';
import type { HttpServer } from '../http/http-server';
import { jobOut } from '../jobs/format';
import type { JobService } from '../jobs/job-service';
import type { StateStore } from '../jobs/state-store';
import { DeliveryInbox } from './delivery-inbox';
import { GitHubApi } from './github-api';
import type { ResolvedGitHubConfig } from './github-config';
import { GitHubJobs } from './github-jobs';
import { SqliteGitHubStore } from './sqlite-github-store';
import { Reconciler, type ReconcileResult } from './reconciler';
import { StatusOutbox } from './status-outbox';
import { StatusReporter } from './status-reporter';
import { registerWebhookRoute, WEBHOOK_PATH } from './webhook-route';
import { classify } from './webhook-payloads';

export interface GitHubServiceDeps {
  /** From resolveGitHubConfig, called before the master opened anything. */
  config: ResolvedGitHubConfig;
  db: SqliteDb;
  http: HttpServer;
  jobs: JobService;
  state: StateStore;
  events: EventHub;
  publicUrl: () => string;
  log: Logger;
  version: string;
}

export class GitHubService {
  readonly config: ResolvedGitHubConfig;
  readonly store: SqliteGitHubStore;
  readonly api: GitHubApi;
  readonly outbox: StatusOutbox;
  private readonly inbox: DeliveryInbox;
  private readonly reporter: StatusReporter | undefined;
  private readonly reconciler: Reconciler | undefined;
  private stopListening: (() => void) | undefined;
  /** Settles when the start-up reconcile is over (tests wait for it). */
  reconciled: Promise<ReconcileResult[]> = Promise.resolve([]);

  constructor(private readonly d: GitHubServiceDeps) {
    const c = (this.config = d.config);
    const log = d.log;
    this.store = new SqliteGitHubStore(d.db);
    this.api = new GitHubApi({ apiUrl: c.apiUrl, token: c.token, app: c.app, userAgent: `ourci/${d.version}`, log });
    const githubJobs = new GitHubJobs({ jobs: d.jobs, topic: c.topic, command: c.command, cancelSuperseded: c.cancelSuperseded, log });
    this.inbox = new DeliveryInbox({ store: this.store, apply: (ev) => githubJobs.apply(ev), log });
    registerWebhookRoute(d.http, {
      secret: c.webhookSecret,
      maxBytes: c.webhookMaxBytes,
      classify: (name, body) => classify(name, body, c),
      inbox: this.inbox,
      commit: () => d.db.commit(),
    });
    this.outbox = new StatusOutbox({
      store: this.store,
      api: this.api,
      log,
      retryBaseMs: c.retryBaseMs,
      retryMaxMs: c.retryMaxMs,
      gapMs: c.postGapMs,
    });
    if (!c.webhookSecret) log.warn('github: no GITHUB_WEBHOOK_SECRET: POST /webhooks/github answers 503');
    if (!this.api.canWrite) {
      log.warn('github: no GITHUB_TOKEN or GitHub App configured: webhooks start jobs, but no commit statuses are reported');
      return;
    }
    this.reporter = new StatusReporter({
      store: this.store,
      context: c.context,
      intervalMs: c.statusIntervalMs,
      publicUrl: d.publicUrl,
      task: (id) => {
        const t = d.jobs.taskRow(Number(id));
        return t ? { name: t.name, reason: t.reason } : undefined;
      },
      newestJobOf: (repo, sha) => d.state.newestJobOfCommit(repo, sha)?.id,
      poke: () => this.outbox.poke(),
      log,
    });
    if (c.reconcile && c.repos.length > 0) {
      this.reconciler = new Reconciler({
        api: this.api,
        githubJobs,
        repos: c.repos,
        context: c.context,
        newestJobOf: (repo, sha) => this.newestJob(repo, sha),
        refresh: (job) => this.reporter!.refresh(job),
        publicUrl: d.publicUrl,
        log,
        retryBaseMs: Math.max(c.retryBaseMs, 1),
        retryMaxMs: c.retryMaxMs,
      });
    }
  }

  /** Replays deliveries the last run accepted, starts sending statuses, reconciles open PRs. */
  start(): void {
    const reporter = this.reporter;
    if (reporter) {
      this.stopListening = this.d.events.listen((topic, type, data) => {
        if (topic !== 'jobs' || (type !== 'job.created' && type !== 'job.updated')) return;
        try {
          reporter.onJob(data as Job);
        } catch (err) {
          this.d.log.error({ err }, 'github: could not queue a commit status');
        }
      });
    }
    this.inbox.replay();
    this.outbox.poke();
    if (this.reconciler) this.reconciled = this.reconciler.run();
  }

  close(): void {
    this.stopListening?.();
    this.reconciler?.close();
    this.reporter?.close();
    this.inbox.close();
    this.outbox.close();
    this.api.close();
  }

  /** Where GitHub should send webhooks (the repository's webhook "Payload URL"). */
  get webhookUrl(): string {
    return `${this.d.publicUrl().replace(/\/+$/, '')}${WEBHOOK_PATH}`;
  }

  private newestJob(repo: string, sha: string): Job | undefined {
    const row = this.d.state.newestJobOfCommit(repo, sha);
    return row ? jobOut(this.d.jobs.jobRow(row.id) ?? row) : undefined;
  }
}
