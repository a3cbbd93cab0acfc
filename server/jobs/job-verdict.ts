// How one task's end moves its job (DESIGN.md §1): the job's verdict turns \`failure\` as soon
// as a task fails or times out, \`error\` for infrastructure failures (a real failure wins over
// an earlier error), \`cancelled\` when cancelled; \`success\` only when every task is green.
import type { TaskStatus } from '../../src/shared/jobs/model';
import type { JobRow } from './state-store';

/** Counts a task's end into its job; returns true when that finished the job. */
export function countTaskEnd(j: JobRow, taskId: number, status: TaskStatus, now: number): boolean {
  j.tasksDone++;
  if (status !== 'success') {
    j.tasksFailed++;
    j.firstFailedTask ??= taskId;
    if (status === 'failure' || status === 'timeout') {
      if (j.status === 'running' || j.status === 'error') j.status = 'failure';
    } else if (status === 'error' || status === 'expired') {
      if (j.status === 'running') j.status = 'error';
    } else if (status === 'cancelled' && j.status === 'running') j.status = 'cancelled';
  }
  if (j.tasksDone < j.tasksTotal) return false;
  if (j.status === 'running') j.status = 'success';
  j.finished = true;
  j.finishedAt = now;
  return true;
}
