// Jobs and tasks (DESIGN.md §1–3): a job is created with its root task; tasks spawn more
// tasks at run time; each task is a Pub/Sub message plus the master's record of its attempts.
// Attempts are fenced by their ackId: whatever a stale attempt reports is refused with 409,
// and a task's completion is counted exactly once. Active work lives in memory; finished work
// is read from the state store.
import { ConflictError, LeaseLostError, NotFoundError, PayloadTooLargeError, ForbiddenError } from '../../src/shared/errors';
import { MAX_LOG_CHUNK_BYTES } from '../../src/shared/logs/methods';
import {
  DEFAULT_FANOUT_CAP,
  DEFAULT_TASK_TIMEOUT_SECONDS,
  type AttemptStatus,
  type Job,
  type Task,
  type TaskStatus,
} from '../../src/shared/jobs/model';
import type { Principal } from '../auth/principal';
import type { LeaseEvent, DropEvent } from '../pubsub/model';
import type { Channel } from '../rpc/registry';
import { jobOut, taskOut } from './format';
import { countTaskEnd } from './job-verdict';
import type { ActiveAttempt, ActiveJob, ActiveTask, CreateJobInput, JobServiceOptions, NextInput, SpawnInput } from './job-types';
import type { AttemptRow, JobRow, TaskRow } from './state-store';

export type { CreateJobInput, JobServiceOptions, NextInput, SpawnInput } from './job-types';

const KILL_GRACE_MS = 10_000;

export class JobService {
  private readonly jobs = new Map<number, ActiveJob>();
  private readonly tasks = new Map<number, ActiveTask>();
  private readonly byAck = new Map<string, ActiveAttempt>();
  private lastJob: number;
  private lastTask: number;
  private readonly now: () => number;
  private readonly fanoutCap: number;
  private readonly timeoutGraceMs: number;
  private readonly cancelGraceMs: number;

  constructor(private readonly o: JobServiceOptions) {
    this.now = o.now ?? Date.now;
    this.fanoutCap = o.fanoutCap ?? DEFAULT_FANOUT_CAP;
    this.timeoutGraceMs = o.timeoutGraceMs ?? 30_000;
    this.cancelGraceMs = o.cancelGraceMs ?? KILL_GRACE_MS + 20_000;
    const ids = o.store.maxIds();
    this.lastJob = ids.job;
    this.lastTask = ids.task;
    this.load();
    o.hooks.add({
      onLeaseExpired: (ev) => this.leaseEnded(ev, 'lost'),
      onNack: (ev) => this.leaseEnded(ev, 'released'),
      onDrop: (ev) => this.dropped(ev),
      isCancelled: (ev) => Boolean(this.byAck.get(ev.ackId)?.task.cancel),
    });
  }

  close(): void {
    for (const t of this.tasks.values()) {
      if (t.attempt?.timer) clearTimeout(t.attempt.timer);
      if (t.cancel?.timer) clearTimeout(t.cancel.timer);
    }
    for (const j of this.jobs.values()) for (const w of j.waiters) w();
  }

  // ---- creating work ---------------------------------------------------------------------

  createJob(p: CreateJobInput): { job: string; task: string } {
    const id = ++this.lastJob;
    const env: Record<string, string> = { ...(p.jobEnv ?? {}) };
    if (p.repo) env.REPO = p.repo;
    if (p.sha) env.SHA = p.sha;
    if (p.ref) env.BRANCH = p.ref.replace(/^refs\/heads\//, '');
    if (p.pr !== undefined) env.PR = String(p.pr);
    const row: JobRow = {
      id,
      status: 'running',
      finished: false,
      trigger: p.trigger ?? 'api',
      title: p.title ?? null,
      repo: p.repo ?? null,
      sha: p.sha ?? null,
      ref: p.ref ?? null,
      pr: p.pr ?? null,
      rootTask: this.lastTask + 1,
      tasksTotal: 0,
      tasksDone: 0,
      tasksFailed: 0,
      firstFailedTask: null,
      retryOf: p.retryOf ?? null,
      createdAt: this.now(),
      finishedAt: null,
      cancelReason: null,
      env,
      root: {
        topic: p.topic,
        args: p.args,
        env: p.env ?? {},
        image: p.image ?? null,
        name: p.name ?? null,
        timeoutSeconds: p.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS,
      },
    };
    const job: ActiveJob = { row, active: new Set(), waiters: new Set(), spawnKeys: new Map(), restored: false };
    this.jobs.set(id, job);
    this.o.events.emit('jobs', 'job.created', jobOut(row));
    const task = this.addTask(job, { ...row.root, image: p.image, name: p.name, env: p.env }, null);
    return { job: String(id), task: String(task.row.id) };
  }

  spawn(p: SpawnInput, principal: Principal): { job: string; task: string } {
    let jobId: number;
    let parent: number | null = null;
    if (principal.kind === 'task' && principal.task) {
      if (p.job !== undefined && p.job !== principal.task.job) throw new ForbiddenError('a task token spawns only into its own job');
      jobId = Number(principal.task.job);
      parent = Number(principal.task.task);
    } else {
      if (p.job === undefined) throw new ConflictError('job is required when spawning with an admin token');
      jobId = Number(p.job);
      parent = p.parent !== undefined ? Number(p.parent) : null;
    }
    const job = this.jobs.get(jobId);
    if (!job) {
      if (this.o.store.getJob(jobId)) throw new ConflictError(`job ${jobId} has finished; start a new job instead`);
      throw new NotFoundError(`no job ${p.job ?? jobId}`);
    }
    if (p.requestId !== undefined) {
      // Memory knows every spawn of this process's life; only a job that lived through a
      // restart needs the store (a read that first commits what is pending).
      const earlier = job.spawnKeys.get(p.requestId) ?? (job.restored ? this.o.store.taskBySpawnKey(jobId, p.requestId)?.id : undefined);
      if (earlier !== undefined) return { job: String(jobId), task: String(earlier) };
    }
    const task = this.addTask(job, p, parent);
    if (p.requestId !== undefined) job.spawnKeys.set(p.requestId, task.row.id);
    return { job: String(jobId), task: String(task.row.id) };
  }

  private addTask(job: ActiveJob, p: Omit<SpawnInput, 'job' | 'parent'>, parent: number | null): ActiveTask {
    if (job.row.tasksTotal >= this.fanoutCap) {
      throw new ConflictError(`job ${job.row.id} reached its fan-out cap of ${this.fanoutCap} tasks`);
    }
    const id = ++this.lastTask;
    const row: TaskRow = {
      id,
      job: job.row.id,
      parent,
      name: p.name ?? p.args.join(' ').slice(0, 200),
      topic: p.topic,
      args: p.args,
      env: p.env ?? {},
      image: p.image ?? null,
      timeoutSeconds: p.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS,
      status: 'queued',
      attempts: 0,
      exitCode: null,
      reason: null,
      agent: null,
      board: null,
      createdAt: this.now(),
      startedAt: null,
      finishedAt: null,
      messageId: null,
      cancelRequested: null,
      spawnKey: p.requestId ?? null,
    };
    const task: ActiveTask = { row, job, cancel: null, attempt: null };
    job.row.tasksTotal++;
    job.active.add(task);
    this.tasks.set(id, task);
    const [messageId] = this.o.pubsub.publish(p.topic, [
      {
        data: { job: String(job.row.id), task: String(id), topic: p.topic, args: p.args, name: row.name, image: row.image },
        attributes: { job: String(job.row.id), task: String(id) },
      },
    ]);
    row.messageId = messageId!;
    this.o.store.putTask(row);
    this.o.store.putJob(job.row);
    this.emitTask(row, 'task.created');
    this.emitJob(job.row);
    return task;
  }

  // ---- attempts ----------------------------------------------------------------------------

  start(ackId: string, agent: string, board: string | undefined, channel?: Channel) {
    const d = this.o.pubsub.leaseOf(ackId);
    const taskId = Number((d.msg.data as { task?: unknown } | null)?.task);
    const task = this.tasks.get(taskId);
    if (!task) {
      this.o.pubsub.discardMessage(d.sub.topic.name, String(d.msg.id));
      throw new ConflictError(
        Number.isFinite(taskId) ? `task ${taskId} has already ended` : 'this message is not an OurCI task',
      );
    }
    if (task.cancel) throw new ConflictError(`task ${taskId} is being cancelled`);
    const job = task.job;
    let att = task.attempt;
    let token: string;
    if (att && att.row.ackId === ackId) {
      // Task.Start repeated for the same delivery (its reply was lost): same attempt, new token.
      this.o.tokens.revoke(att.row.tokenHash);
      const issued = this.o.tokens.issue({ job: String(job.row.id), task: String(taskId), attempt: att.row.attempt });
      token = issued.token;
      att.row.tokenHash = issued.digest;
      this.o.store.putAttempt(att.row);
    } else {
      if (att) this.endAttempt(att, 'lost', null, 'superseded by a new delivery');
      const n = task.row.attempts + 1;
      const issued = this.o.tokens.issue({ job: String(job.row.id), task: String(taskId), attempt: n });
      token = issued.token;
      const row: AttemptRow = {
        task: taskId,
        attempt: n,
        status: 'running',
        agent,
        board: board ?? null,
        ackId,
        subscription: d.sub.name,
        tokenHash: issued.digest,
        exitCode: null,
        reason: null,
        startedAt: this.now(),
        finishedAt: null,
        logBytes: 0,
      };
      att = { row, task, timer: null, channel };
      task.attempt = att;
      this.byAck.set(ackId, att);
      this.armTimeout(att);
      task.row.status = 'running';
      task.row.attempts = n;
      task.row.startedAt ??= row.startedAt;
      task.row.agent = agent;
      task.row.board = board ?? null;
      this.o.store.putAttempt(row);
      this.o.store.putTask(task.row);
      this.emitTask(task.row, 'task.updated');
    }
    att.channel = channel;
    this.o.onAttempt?.(channel, { job: String(job.row.id), task: String(taskId) });
    const jobId = String(job.row.id);
    const env: Record<string, string> = {
      ...job.row.env,
      ...task.row.env,
      OURCI_URL: this.o.publicUrl(),
      OURCI_TOKEN: token,
      BUILD_JOB: jobId,
      BUILD_TASK: String(taskId),
      BUILD_ATTEMPT: String(att.row.attempt),
      BUILD_TOPIC: task.row.topic,
      BLOB_URL: this.o.blobUrl(jobId, token),
    };
    return {
      task: taskOut(task.row),
      job: jobOut(job.row),
      attempt: att.row.attempt,
      token,
      blobUrl: env.BLOB_URL!,
      env,
      args: task.row.args,
      timeoutSeconds: task.row.timeoutSeconds,
      ackDeadlineSeconds: d.sub.ackDeadlineSeconds,
    };
  }

  finish(ackId: string, exitCode: number, reason: string | undefined, message: string | undefined): Task {
    const att = this.byAck.get(ackId);
    if (!att) {
      const row = this.o.store.attemptByAckId(ackId);
      if (row && row.status !== 'lost' && row.status !== 'released' && row.status !== 'running') {
        // Already ended (this report repeated, or the master ended it first): counted once.
        return taskOut(this.o.store.getTask(row.task)!);
      }
      throw new LeaseLostError({ ackId });
    }
    this.o.pubsub.leaseOf(ackId); // 409 if the delivery is no longer current
    const task = att.task;
    const status: TaskStatus = task.cancel
      ? 'cancelled'
      : reason === 'timeout'
        ? 'timeout'
        : reason === 'cancelled'
          ? 'cancelled'
          : reason === 'error'
            ? 'error'
            : exitCode === 0
              ? 'success'
              : 'failure';
    const why = task.cancel?.reason ?? message ?? (status === 'timeout' ? `timed out after ${task.row.timeoutSeconds}s` : null);
    this.o.pubsub.acknowledge(att.row.subscription, [ackId]);
    this.endAttempt(att, status, exitCode, why);
    this.endTask(task, status, exitCode, why);
    return taskOut(task.row);
  }

  /**
   * Task.Next: the previous attempt's finish (optional), then a long poll for one delivery and
   * its start, each exactly as Task.Finish, PubSub.Pull and Task.Start do; one round trip on
   * the agent's hot path instead of three.
   */
  async next(p: NextInput, channel: Channel | undefined, signal: AbortSignal) {
    const finished = p.finish ? this.finish(p.finish.ackId, p.finish.exitCode, p.finish.reason, p.finish.message) : undefined;
    const deadline = Date.now() + p.waitMs;
    for (;;) {
      const [d] = await this.o.pubsub.pull({ subscriptions: p.subscriptions, max: 1, waitMs: Math.max(0, deadline - Date.now()), signal });
      if (!d) return { finished };
      try {
        const start = this.start(d.ackId, p.agent, p.board, channel);
        return { finished, next: { ackId: d.ackId, subscription: d.subscription, deliveryAttempt: d.deliveryAttempt, start } };
      } catch (err) {
        // Task.Start refused this delivery (its task ended or is being cancelled); an agent
        // calling Task.Start itself would move on to the next one, and so do we.
        if (!(err instanceof ConflictError)) throw err;
      }
    }
  }

  // ---- cancel, retry, wait -------------------------------------------------------------------

  cancelTask(id: number, reason: string): Task {
    const task = this.tasks.get(id);
    if (!task) {
      const row = this.o.store.getTask(id);
      if (!row) throw new NotFoundError(`no task ${id}`);
      return taskOut(row);
    }
    this.cancel(task, reason);
    return taskOut(task.row);
  }

  cancelJob(id: number, reason: string): { job: Job; cancelledTasks: number } {
    const job = this.jobs.get(id);
    if (!job) {
      const row = this.o.store.getJob(id);
      if (!row) throw new NotFoundError(`no job ${id}`);
      return { job: jobOut(row), cancelledTasks: 0 };
    }
    if (job.row.status === 'running') job.row.status = 'cancelled';
    job.row.cancelReason = reason;
    this.o.store.putJob(job.row);
    let n = 0;
    for (const t of [...job.active]) {
      if (!t.cancel) n++;
      this.cancel(t, reason);
    }
    this.emitJob(job.row);
    return { job: jobOut(this.jobs.get(id)?.row ?? this.o.store.getJob(id)!), cancelledTasks: n };
  }

  retryJob(id: number): { job: string; task: string } {
    const row = this.jobs.get(id)?.row ?? this.o.store.getJob(id);
    if (!row) throw new NotFoundError(`no job ${id}`);
    const { REPO: _r, SHA: _s, BRANCH: _b, PR: _p, ...jobEnv } = row.env;
    return this.createJob({
      ...row.root,
      image: row.root.image ?? undefined,
      name: row.root.name ?? undefined,
      title: row.title ?? undefined,
      repo: row.repo ?? undefined,
      sha: row.sha ?? undefined,
      ref: row.ref ?? undefined,
      pr: row.pr ?? undefined,
      trigger: 'retry',
      retryOf: id,
      jobEnv,
    });
  }

  /** Resolves when the job finishes or after `ms`. */
  async waitJob(id: number, ms: number, signal?: AbortSignal): Promise<Job> {
    const job = this.jobs.get(id);
    if (job && ms > 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          job.waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
        job.waiters.add(done);
      });
    }
    return this.getJob(id);
  }

  // ---- reads -------------------------------------------------------------------------------

  getJob(id: number): Job {
    const row = this.jobs.get(id)?.row ?? this.o.store.getJob(id);
    if (!row) throw new NotFoundError(`no job ${id}`);
    return jobOut(row);
  }

  jobRow(id: number): JobRow | undefined {
    return this.jobs.get(id)?.row ?? this.o.store.getJob(id);
  }

  taskRow(id: number): TaskRow | undefined {
    return this.tasks.get(id)?.row ?? this.o.store.getTask(id);
  }

  isAttemptRunning(task: number, attempt: number): boolean {
    return this.tasks.get(task)?.attempt?.row.attempt === attempt;
  }

  /** Unfinished tasks by status, and unfinished jobs (for metrics). */
  activeCounts(): { queued: number; running: number; jobs: number } {
    let running = 0;
    for (const t of this.tasks.values()) if (t.row.status === 'running') running++;
    return { queued: this.tasks.size - running, running, jobs: this.jobs.size };
  }

  activeJobsOf(repo: string, pr: number): JobRow[] {
    return [...this.jobs.values()].filter((j) => j.row.repo === repo && j.row.pr === pr).map((j) => j.row);
  }

  // ---- logs --------------------------------------------------------------------------------

  appendLog(principal: Principal, taskId: number, attempt: number, offset: number, data: string): { length: number } {
    if (principal.kind === 'task' && (principal.task?.task !== String(taskId) || principal.task.attempt !== attempt)) {
      throw new ForbiddenError('a task token writes only its own log');
    }
    const att = this.tasks.get(taskId)?.attempt;
    if (!att || att.row.attempt !== attempt) {
      throw new LeaseLostError({ task: String(taskId), attempt, reason: 'this attempt is not running' });
    }
    // The text goes to the log store as it is (no Buffer copy of every chunk); only its length is needed here.
    const bytes = Buffer.byteLength(data, 'utf8');
    if (bytes > MAX_LOG_CHUNK_BYTES) throw new PayloadTooLargeError(`log chunks are at most ${MAX_LOG_CHUNK_BYTES} bytes`);
    const r = this.o.logs.append(String(taskId), attempt, offset, data, bytes);
    att.row.logBytes = r.length;
    const topic = `task/${taskId}/log`;
    if (r.written.length > 0 && this.o.events.hasSubscribers(topic)) {
      const text = typeof r.written === 'string' ? r.written : r.written.toString('utf8');
      this.o.events.emit(topic, 'log.chunk', { task: String(taskId), attempt, offset: r.offset, data: text });
    }
    return { length: r.length };
  }

  // ---- internals ---------------------------------------------------------------------------

  private cancel(task: ActiveTask, reason: string): void {
    if (task.cancel) return;
    if (!task.attempt) {
      if (task.row.messageId) this.o.pubsub.discardMessage(task.row.topic, task.row.messageId);
      this.endTask(task, 'cancelled', null, reason);
      return;
    }
    task.row.cancelRequested = reason;
    this.o.store.putTask(task.row);
    this.armCancel(task.attempt, reason);
  }

  /** A running task's cancel: tell its agent now; if it never reports, end the task ourselves
   * once its kill grace is over. */
  private armCancel(att: ActiveAttempt, reason: string): void {
    const task = att.task;
    task.cancel = { reason, timer: setTimeout(() => this.forceEnd(att, 'cancelled', reason), this.cancelGraceMs) };
    task.cancel.timer?.unref();
    att.channel?.notify?.('Task.Cancelled', { task: String(task.row.id), ackId: att.row.ackId, reason });
  }

  /** Ends a running attempt and its task from the master's side (timeout, cancel without reply). */
  private forceEnd(att: ActiveAttempt, status: 'timeout' | 'cancelled', reason: string): void {
    const task = att.task;
    if (task.attempt !== att) return;
    if (status === 'timeout') {
      att.channel?.notify?.('Task.Cancelled', { task: String(task.row.id), ackId: att.row.ackId, reason });
    }
    if (task.row.messageId) this.o.pubsub.discardMessage(task.row.topic, task.row.messageId);
    this.endAttempt(att, status, null, reason);
    this.endTask(task, status, null, reason);
    void this.o.pubsub.commit();
  }

  private armTimeout(att: ActiveAttempt): void {
    const limit = att.task.row.timeoutSeconds * 1000 + this.timeoutGraceMs;
    const left = att.row.startedAt + limit - this.now();
    att.timer = setTimeout(
      () => this.forceEnd(att, 'timeout', `timed out after ${att.task.row.timeoutSeconds}s (ended by the master: the agent did not report)`),
      Math.max(0, left),
    );
    att.timer.unref();
  }

  private leaseEnded(ev: LeaseEvent, how: 'lost' | 'released'): void {
    const att = this.byAck.get(ev.ackId);
    if (!att) return;
    const task = att.task;
    if (task.cancel) {
      if (task.row.messageId) this.o.pubsub.discardMessage(task.row.topic, task.row.messageId);
      this.endAttempt(att, 'cancelled', null, task.cancel.reason);
      this.endTask(task, 'cancelled', null, task.cancel.reason);
      return;
    }
    this.endAttempt(att, how, null, how === 'lost' ? 'the agent stopped renewing its lease' : 'released by its agent');
    task.row.status = 'queued';
    task.row.agent = null;
    task.row.board = null;
    this.o.store.putTask(task.row);
    this.emitTask(task.row, 'task.updated');
  }

  private dropped(ev: DropEvent): void {
    const task = this.tasks.get(Number((ev.data as { task?: unknown } | null)?.task));
    if (!task || task.attempt) return;
    if (ev.reason === 'expired') this.endTask(task, 'expired', null, 'its message expired before an agent took it');
    else if (ev.reason === 'dead-letter') {
      this.endTask(task, 'error', null, `gave up after ${ev.deliveryAttempt} deliveries: agents were lost or released it each time`);
    } else this.endTask(task, 'error', null, 'its message passed the subscription\'s retention');
  }

  private endAttempt(att: ActiveAttempt, status: AttemptStatus, exitCode: number | null, reason: string | null): void {
    const task = att.task;
    if (att.timer) clearTimeout(att.timer);
    att.row.status = status;
    att.row.exitCode = exitCode;
    att.row.reason = reason;
    att.row.finishedAt = this.now();
    // Appends keep logBytes current for attempts started by this process; only one restored
    // from the store (its appends since the last write unknown) asks the log store (a stat).
    if (att.restored) att.row.logBytes = this.o.logs.length(String(task.row.id), att.row.attempt);
    this.byAck.delete(att.row.ackId);
    this.o.tokens.revoke(att.row.tokenHash);
    this.o.logs.close(String(task.row.id), att.row.attempt);
    this.o.store.putAttempt(att.row);
    if (task.attempt === att) task.attempt = null;
    this.o.onAttempt?.(att.channel, undefined);
  }

  private endTask(task: ActiveTask, status: TaskStatus, exitCode: number | null, reason: string | null): void {
    if (!this.tasks.has(task.row.id)) return;
    if (task.cancel?.timer) clearTimeout(task.cancel.timer);
    const row = task.row;
    row.status = status;
    row.exitCode = exitCode;
    row.reason = reason;
    row.finishedAt = this.now();
    this.tasks.delete(row.id);
    this.o.store.putTask(row);
    this.emitTask(row, 'task.updated');
    const job = task.job;
    job.active.delete(task);
    const j = job.row;
    if (countTaskEnd(j, row.id, status, this.now())) {
      this.jobs.delete(j.id);
      for (const w of [...job.waiters]) w();
    }
    this.o.store.putJob(j);
    this.emitJob(j);
  }

  private emitJob(j: JobRow): void {
    const out = jobOut(j);
    this.o.events.emit('jobs', 'job.updated', out);
    this.o.events.emit(`job/${j.id}`, 'job.updated', out);
  }

  private emitTask(t: TaskRow, type: string): void {
    this.o.events.emit(`job/${t.job}`, type, taskOut(t));
  }

  private load(): void {
    const snap = this.o.store.loadActive();
    for (const row of snap.jobs) this.jobs.set(row.id, { row, active: new Set(), waiters: new Set(), spawnKeys: new Map(), restored: true });
    for (const row of snap.tasks) {
      const job = this.jobs.get(row.job);
      if (!job) continue;
      const task: ActiveTask = { row, job, cancel: null, attempt: null };
      job.active.add(task);
      this.tasks.set(row.id, task);
    }
    for (const row of snap.attempts) {
      const task = this.tasks.get(row.task);
      if (!task || task.row.attempts !== row.attempt) continue;
      const att: ActiveAttempt = { row, task, timer: null, restored: true };
      task.attempt = att;
      this.byAck.set(row.ackId, att);
      this.o.tokens.restore(row.tokenHash, { job: String(task.row.job), task: String(row.task), attempt: row.attempt });
      this.armTimeout(att);
      // Its agent learns of the cancel at its next lease extension (isCancelled).
      if (task.row.cancelRequested) this.armCancel(att, task.row.cancelRequested);
    }
  }
}
