// RPC handlers of Job.*, Task.* and Log.*: access checks for task tokens, then the service.
import { ForbiddenError, NotFoundError } from '../../src/shared/errors';
import * as J from '../../src/shared/jobs/methods';
import { LogAppend, LogRead } from '../../src/shared/logs/methods';
import type { Principal } from '../auth/principal';
import { AppendScheduler } from '../logs/append-scheduler';
import type { LogStore } from '../logs/log-store';
import type { Registry } from '../rpc/registry';
import { attemptOut, jobOut, taskOut } from './format';
import type { JobService } from './job-service';
import type { StateStore } from './state-store';

/** A task token sees only its own job. */
function checkJobAccess(p: Principal, job: number | string): void {
  if (p.kind === 'task' && p.task?.job !== String(job)) throw new ForbiddenError('a task token sees only its own job');
}

const idOf = (s: string, what: string): number => {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n <= 0) throw new NotFoundError(`no ${what} ${s}`);
  return n;
};

export function registerJobMethods(registry: Registry, jobs: JobService, store: StateStore, logs: LogStore): void {
  registry.add(J.JobCreate, (p) => jobs.createJob({ ...p, trigger: 'api' }));

  registry.add(J.JobList, (p) => {
    const limit = p.limit ?? 50;
    const before = p.cursor !== undefined ? Number(p.cursor) : undefined;
    const { jobs: rows, total } = store.listJobs({ status: p.status, finished: p.finished, repo: p.repo, pr: p.pr, before, limit });
    // Active jobs change in memory faster than the store sees them only within a commit; use memory where we have it.
    const out = rows.map((r) => jobOut(jobs.jobRow(r.id) ?? r));
    const last = rows[rows.length - 1];
    return rows.length === limit && last ? { jobs: out, nextCursor: String(last.id), total } : { jobs: out, total };
  });

  registry.add(J.JobGet, ({ job }, ctx) => {
    checkJobAccess(ctx.principal, job);
    const id = idOf(job, 'job');
    const j = jobs.getJob(id);
    return { job: j, tasks: store.tasksOfJob(id).map((t) => taskOut(jobs.taskRow(t.id) ?? t)) };
  });

  registry.add(J.JobCancel, ({ job, reason }) => jobs.cancelJob(idOf(job, 'job'), reason ?? 'cancelled by an admin'));
  registry.add(J.JobRetry, ({ job }) => jobs.retryJob(idOf(job, 'job')));
  registry.add(J.JobWait, async ({ job, waitSeconds }, ctx) => {
    checkJobAccess(ctx.principal, job);
    return { job: await jobs.waitJob(idOf(job, 'job'), (waitSeconds ?? 30) * 1000, ctx.signal) };
  });

  registry.add(J.TaskSpawn, (p, ctx) => jobs.spawn(p, ctx.principal));
  registry.add(J.TaskStart, ({ ackId, agent, board }, ctx) => jobs.start(ackId, agent ?? ctx.principal.name, board, ctx.channel));
  registry.add(J.TaskFinish, ({ ackId, exitCode, reason, message }) => ({ task: jobs.finish(ackId, exitCode, reason, message) }));
  registry.add(J.TaskNext, ({ subscriptions, waitSeconds, agent, board, finish }, ctx) =>
    jobs.next({ subscriptions, waitMs: (waitSeconds ?? 30) * 1000, agent: agent ?? ctx.principal.name, board, finish }, ctx.channel, ctx.signal),
  );

  registry.add(J.TaskGet, ({ task }, ctx) => {
    const row = jobs.taskRow(idOf(task, 'task'));
    if (!row) throw new NotFoundError(`no task ${task}`);
    checkJobAccess(ctx.principal, row.job);
    return { task: taskOut(row), attempts: store.attemptsOfTask(row.id).map(attemptOut) };
  });
  registry.add(J.TaskCancel, ({ task, reason }) => ({ task: jobs.cancelTask(idOf(task, 'task'), reason ?? 'cancelled by an admin') }));

  // Appends take a bounded share of each event-loop turn so streaming logs never slow dispatch.
  const appends = new AppendScheduler();
  registry.add(LogAppend, ({ task, attempt, offset, data }, ctx) =>
    appends.run(data.length, () => jobs.appendLog(ctx.principal, idOf(task, 'task'), attempt, offset, data)),
  );

  registry.add(LogRead, ({ task, attempt, offset, limit }, ctx) => {
    const row = jobs.taskRow(idOf(task, 'task'));
    if (!row) throw new NotFoundError(`no task ${task}`);
    checkJobAccess(ctx.principal, row.job);
    const n = attempt ?? row.attempts;
    const slice = logs.read(task, n, offset ?? 0, limit ?? 1024 * 1024);
    const out = {
      task,
      attempt: n,
      offset: slice.offset,
      nextOffset: slice.nextOffset,
      length: slice.length,
      data: slice.data.toString('utf8'),
      complete: !jobs.isAttemptRunning(row.id, n),
    };
    return slice.omitted ? { ...out, omitted: slice.omitted } : out;
  });
}
