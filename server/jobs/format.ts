// Store rows → the wire shapes of src/shared/jobs/model.ts.
import type { Attempt, Job, Task } from '../../src/shared/jobs/model';
import type { AttemptRow, JobRow, TaskRow } from './state-store';

/**
 * ISO 8601 of a time in ms, as Date#toISOString writes it, from a cached text of its second:
 * every task event carries a few timestamps, mostly of a handful of seconds (now, the job's
 * creation), and formatting them was a visible share of dispatch.
 */
const isoSeconds = new Map<number, string>();
function iso(ms: number): string {
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  let prefix = isoSeconds.get(second);
  if (prefix === undefined) {
    const full = new Date(ms).toISOString();
    if (full.length !== 24) return full; // years past 9999 or before 0: leave them to Date
    if (isoSeconds.size >= 64) isoSeconds.clear();
    isoSeconds.set(second, (prefix = full.slice(0, 20)));
  }
  const milli = ms - second * 1000;
  return `${prefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

export function jobOut(j: JobRow): Job {
  const out: Job = {
    id: String(j.id),
    status: j.status,
    finished: j.finished,
    trigger: j.trigger,
    rootTask: String(j.rootTask),
    tasksTotal: j.tasksTotal,
    tasksDone: j.tasksDone,
    tasksFailed: j.tasksFailed,
    createdAt: iso(j.createdAt),
  };
  if (j.title !== null) out.title = j.title;
  if (j.repo !== null) out.repo = j.repo;
  if (j.sha !== null) out.sha = j.sha;
  if (j.ref !== null) out.ref = j.ref;
  if (j.pr !== null) out.pr = j.pr;
  if (j.firstFailedTask !== null) out.firstFailedTask = String(j.firstFailedTask);
  if (j.retryOf !== null) out.retryOf = String(j.retryOf);
  if (j.finishedAt !== null) out.finishedAt = iso(j.finishedAt);
  if (j.cancelReason !== null) out.cancelReason = j.cancelReason;
  return out;
}

export function taskOut(t: TaskRow): Task {
  const out: Task = {
    id: String(t.id),
    job: String(t.job),
    name: t.name,
    topic: t.topic,
    args: t.args,
    timeoutSeconds: t.timeoutSeconds,
    status: t.status,
    attempts: t.attempts,
    createdAt: iso(t.createdAt),
    envKeys: Object.keys(t.env),
  };
  if (t.parent !== null) out.parent = String(t.parent);
  if (t.image !== null) out.image = t.image;
  if (t.exitCode !== null) out.exitCode = t.exitCode;
  if (t.reason !== null) out.reason = t.reason;
  if (t.agent !== null) out.agent = t.agent;
  if (t.board !== null) out.board = t.board;
  if (t.startedAt !== null) out.startedAt = iso(t.startedAt);
  if (t.finishedAt !== null) out.finishedAt = iso(t.finishedAt);
  return out;
}

export function attemptOut(a: AttemptRow): Attempt {
  const out: Attempt = {
    task: String(a.task),
    attempt: a.attempt,
    status: a.status,
    agent: a.agent,
    startedAt: iso(a.startedAt),
    logBytes: a.logBytes,
  };
  if (a.board !== null) out.board = a.board;
  if (a.exitCode !== null) out.exitCode = a.exitCode;
  if (a.reason !== null) out.reason = a.reason;
  if (a.finishedAt !== null) out.finishedAt = iso(a.finishedAt);
  return out;
}
