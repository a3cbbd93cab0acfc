// The bench's own view of the tasks its boards ran: the current ones and the last few, with
// the tail of their logs at the same byte offsets as the master's copy (the agent streams the
// same text), so the Tasks page reads the tail here and anything older from the master, and
// follows live chunks without asking the master at all. Bounded in tasks and bytes.
import type { BenchTask } from '../shared/bench/model';
import type { TaskStart } from '../agent/agent';

interface Entry {
  task: BenchTask;
  chunks: Array<{ offset: number; buf: Buffer }>;
  /** Offset of the first byte still kept. */
  start: number;
  /** Bytes written so far (the log's length). */
  end: number;
}

export interface TaskHistoryOptions {
  /** Finished tasks kept (default 50). */
  keep?: number;
  /** Log bytes kept per task, the tail (default 512 KiB). */
  logBytes?: number;
}

export interface LogSlice {
  offset: number;
  nextOffset: number;
  length: number;
  data: string;
  complete: boolean;
}

/** True for the bytes that continue a UTF-8 character (never where a read may start or end). */
const continuation = (b: number | undefined): boolean => b !== undefined && (b & 0xc0) === 0x80;

export class TaskHistory {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly onTask: (task: BenchTask) => void,
    private readonly onLog: (task: string, offset: number, text: string) => void,
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
    this.entries.set(task.id, { task, chunks: [], start: 0, end: 0 });
    this.trim();
    this.onTask(task);
    return task;
  }

  append(id: string, text: string): void {
    const e = this.entries.get(id);
    if (!e || !text) return;
    const buf = Buffer.from(text, 'utf8');
    const offset = e.end;
    e.chunks.push({ offset, buf });
    e.end += buf.length;
    const max = this.opts.logBytes ?? 512 << 10;
    while (e.end - e.start > max && e.chunks.length > 1) {
      e.chunks.shift();
      e.start = e.chunks[0]!.offset;
    }
    this.onLog(id, offset, text);
  }

  finish(id: string, outcome: { status: BenchTask['status']; exitCode?: number; reason?: string }): BenchTask | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    Object.assign(e.task, outcome, { finishedAt: new Date().toISOString() });
    this.onTask(e.task);
    this.trim();
    return e.task;
  }

  get(id: string): BenchTask | undefined {
    const e = this.entries.get(id);
    return e ? { ...e.task } : undefined;
  }

  /** Running tasks first, then the most recent. */
  list(): BenchTask[] {
    const all = [...this.entries.values()].map((e) => ({ ...e.task }));
    return all.sort((a, b) => Number(b.status === 'running') - Number(a.status === 'running') || b.startedAt.localeCompare(a.startedAt));
  }

  /**
   * Bytes [offset, offset + limit) of a task's log, as Log.Read answers (a negative offset
   * counts from the end), never cutting a character; undefined when they are no longer kept.
   */
  read(id: string, offset: number, limit: number): LogSlice | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    const from = offset < 0 ? Math.max(e.start, e.end + offset) : offset;
    if (from < e.start) return undefined;
    const all = Buffer.concat(e.chunks.map((c) => c.buf));
    let a = Math.min(from, e.end) - e.start;
    let b = Math.min(e.end, from + limit) - e.start;
    while (a < b && continuation(all[a])) a++;
    while (b > a && b < all.length && continuation(all[b])) b--;
    return { offset: e.start + a, nextOffset: e.start + b, length: e.end, data: all.subarray(a, b).toString('utf8'), complete: e.task.status !== 'running' };
  }

  /** The whole log text kept (tests, and the tail for people). */
  log(id: string): { text: string; truncated: boolean } | undefined {
    const e = this.entries.get(id);
    return e ? { text: Buffer.concat(e.chunks.map((c) => c.buf)).toString('utf8'), truncated: e.start > 0 } : undefined;
  }

  private trim(): void {
    const keep = this.opts.keep ?? 50;
    const finished = [...this.entries.values()].filter((e) => e.task.status !== 'running');
    for (const e of finished.slice(0, Math.max(0, finished.length - keep))) this.entries.delete(e.task.id);
  }
}
