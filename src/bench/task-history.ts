// The bench's own view of the tasks its boards ran: the current ones and the last few, with
// the tail of their logs, so the Tasks page streams a log without asking the master. The
// master keeps the full logs; this is bounded (tasks and bytes) to keep a bench small.
import type { BenchTask } from '../shared/bench/model';
import type { TaskStart } from '../agent/agent';

interface Entry {
  task: BenchTask;
  log: string[];
  bytes: number;
  truncated: boolean;
}

export interface TaskHistoryOptions {
  /** Finished tasks kept (default 50). */
  keep?: number;
  /** Log bytes kept per task, the tail (default 256 KiB). */
  logBytes?: number;
}

export class TaskHistory {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly onTask: (task: BenchTask) => void,
    private readonly onLog: (task: string, text: string) => void,
    private readonly opts: TaskHistoryOptions = {},
  ) {}

  /** Records a task the first time it is seen (its first log line or its prepare hook). */
  begin(start: TaskStart, board: string): BenchTask {
    const had = this.entries.get(start.task.id);
    if (had && had.task.attempt === start.attempt && had.task.status === 'running') return had.task;
    const task: BenchTask = {
      id: start.task.id,
      job: start.job.id,
      attempt: start.attempt,
      name: start.task.name,
      board,
      topic: start.task.topic,
      args: start.args,
      status: 'running',
      startedAt: new Date().toISOString(),
    };
    this.entries.delete(task.id);
    this.entries.set(task.id, { task, log: [], bytes: 0, truncated: false });
    this.trim();
    this.onTask(task);
    return task;
  }

  append(id: string, text: string): void {
    const e = this.entries.get(id);
    if (!e || !text) return;
    e.log.push(text);
    e.bytes += text.length;
    const max = this.opts.logBytes ?? 256 << 10;
    while (e.bytes > max && e.log.length > 1) {
      e.bytes -= e.log.shift()!.length;
      e.truncated = true;
    }
    this.onLog(id, text);
  }

  finish(id: string, outcome: { status: BenchTask['status']; exitCode?: number; reason?: string }): BenchTask | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    Object.assign(e.task, outcome, { finishedAt: new Date().toISOString() });
    this.onTask(e.task);
    this.trim();
    return e.task;
  }

  /** Running tasks first, then the most recent. */
  list(): BenchTask[] {
    const all = [...this.entries.values()].map((e) => ({ ...e.task }));
    return all.sort((a, b) => Number(b.status === 'running') - Number(a.status === 'running') || b.startedAt.localeCompare(a.startedAt));
  }

  log(id: string): { text: string; truncated: boolean } | undefined {
    const e = this.entries.get(id);
    return e ? { text: e.log.join(''), truncated: e.truncated } : undefined;
  }

  private trim(): void {
    const keep = this.opts.keep ?? 50;
    const finished = [...this.entries.values()].filter((e) => e.task.status !== 'running');
    for (const e of finished.slice(0, Math.max(0, finished.length - keep))) this.entries.delete(e.task.id);
  }
}
