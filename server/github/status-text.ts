// What a job looks like as a commit status: state, a description of at most 140 characters
// (GitHub's limit) and a link to the dashboard (the failing task's page when there is one).
import type { Job } from '../../src/shared/jobs/model';
import type { CommitState } from './github-store';

export const MAX_DESCRIPTION = 140;

export interface StatusText {
  state: CommitState;
  description: string;
  targetUrl: string;
}

export interface TaskInfo {
  name: string;
  reason: string | null;
}

/** `task` looks up the first failed task (its name and why it ended). */
export function statusOf(job: Job, publicUrl: string, task: (id: string) => TaskInfo | undefined): StatusText {
  const base = publicUrl.replace(/\/+$/, '');
  const failed = job.firstFailedTask ? task(job.firstFailedTask) : undefined;
  const targetUrl = job.firstFailedTask && job.status !== 'cancelled' ? `${base}/tasks/${job.firstFailedTask}` : `${base}/jobs/${job.id}`;
  const progress = `${job.tasksDone}/${job.tasksTotal} tasks done`;
  const name = failed ? oneLine(failed.name) : 'a task';
  switch (job.status) {
    case 'running':
      return { state: 'pending', description: clip(job.tasksDone === 0 && job.tasksTotal <= 1 ? 'Queued' : `Running: ${progress}`), targetUrl };
    case 'success':
      return { state: 'success', description: clip(`Passed: ${job.tasksTotal} ${plural(job.tasksTotal, 'task')}${durationOf(job)}`), targetUrl };
    case 'failure': {
      const tail = job.finished
        ? `${job.tasksFailed} of ${job.tasksTotal} ${plural(job.tasksTotal, 'task')} failed`
        : progress;
      return { state: 'failure', description: clipWithTail(`Failed: ${name}`, ` (${tail})`), targetUrl };
    }
    case 'error': {
      const why = failed?.reason ? `: ${failed.reason}` : '';
      return { state: 'error', description: clip(`Infrastructure error in ${name}${why}`), targetUrl };
    }
    case 'cancelled':
      return { state: 'error', description: clip(`Cancelled: ${job.cancelReason ?? 'by an operator'}`), targetUrl };
  }
}

/** Cuts to GitHub's limit by code points (never splits a surrogate pair), marking the cut. */
export function clip(s: string, max = MAX_DESCRIPTION): string {
  const one = s.replace(/\s+/g, ' ').trim();
  const cps = Array.from(one);
  return cps.length <= max ? one : `${cps.slice(0, max - 1).join('')}…`;
}

/** Keeps `tail` whole and cuts `head` to make room for it. */
function clipWithTail(head: string, tail: string): string {
  const t = Array.from(tail).length;
  return clip(head, MAX_DESCRIPTION - t) + tail;
}

function oneLine(name: string): string {
  const n = name.replace(/\s+/g, ' ').trim();
  return n ? n : 'a task';
}

const plural = (n: number, word: string): string => (n === 1 ? word : `${word}s`);

function durationOf(job: Job): string {
  if (!job.finishedAt) return '';
  const ms = Date.parse(job.finishedAt) - Date.parse(job.createdAt);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  const text = s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return ` in ${text}`;
}
