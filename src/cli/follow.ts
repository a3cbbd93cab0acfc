// Follows task logs live: events only wake the reader up, Log.Read by offset does the
// reading, so a reconnect or a missed event loses nothing and prints nothing twice.
import type { MasterClient } from '../client/master-client';
import type { Job, Task } from '../shared/jobs/model';

interface Cursor {
  attempt: number;
  offset: number;
  done: boolean;
}

export interface FollowOptions {
  /** Prefix lines with the task name (several tasks interleave). */
  prefix?: boolean;
  write: (text: string) => void;
}

export class LogFollower {
  private readonly cursors = new Map<string, Cursor>();
  private readonly partial = new Map<string, string>();
  private wake: (() => void) | null = null;

  constructor(
    private readonly client: MasterClient,
    private readonly o: FollowOptions,
  ) {
    client.on('Events.Event', () => this.wake?.());
  }

  /** Prints a task's log until it ends; `attempt` picks one, default the latest. */
  async followTask(task: string, attempt?: number, follow = true): Promise<Task> {
    await this.subscribe([`task/${task}/log`]);
    this.client.onReconnect(() => void this.subscribe([`task/${task}/log`]));
    for (;;) {
      const { task: t } = await this.client.call('Task.Get', { task }, { retry: true });
      const done = await this.drain(t, attempt);
      if (!follow || done) {
        this.flushPartial(t);
        return t;
      }
      await this.sleep(1000);
    }
  }

  /** Prints every task's log of a job, interleaved by line, until the job finishes. */
  async followJob(job: string): Promise<Job> {
    await this.subscribe([`job/${job}`]);
    const known = new Set<string>();
    for (;;) {
      const { job: j, tasks } = await this.client.call('Job.Get', { job }, { retry: true });
      const fresh = tasks.filter((t) => !known.has(t.id));
      if (fresh.length) {
        for (const t of fresh) known.add(t.id);
        await this.subscribe(fresh.map((t) => `task/${t.id}/log`));
      }
      let allDone = true;
      for (const t of tasks) if (!(await this.drain(t))) allDone = false;
      if (j.finished && allDone) {
        for (const t of tasks) this.flushPartial(t);
        return j;
      }
      await this.sleep(1000);
    }
  }

  /** Reads what is new for a task; true when its log is complete. */
  private async drain(t: Task, attempt?: number): Promise<boolean> {
    const want = attempt ?? t.attempts;
    if (want === 0) return ['success', 'failure', 'error', 'timeout', 'cancelled', 'expired'].includes(t.status);
    let c = this.cursors.get(t.id);
    if (!c || c.attempt !== want) {
      c = { attempt: want, offset: 0, done: false };
      this.cursors.set(t.id, c);
    }
    for (;;) {
      const r = await this.client.call('Log.Read', { task: t.id, attempt: want, offset: c.offset, limit: 256 * 1024 }, { retry: true });
      if (r.omitted) this.emit(t, `\n[… ${r.omitted.to - r.omitted.from} bytes omitted …]\n`);
      if (r.data) this.emit(t, r.data);
      c.offset = r.nextOffset;
      if (r.nextOffset < r.length) continue;
      c.done = r.complete;
      return r.complete && (attempt !== undefined || t.attempts === want);
    }
  }

  private emit(t: Task, text: string): void {
    if (!this.o.prefix) return this.o.write(text);
    const lines = ((this.partial.get(t.id) ?? '') + text).split('\n');
    this.partial.set(t.id, lines.pop()!);
    const label = `[${t.id} ${t.name.slice(0, 24)}] `;
    if (lines.length) this.o.write(lines.map((l) => label + l).join('\n') + '\n');
  }

  private flushPartial(t: Task): void {
    const rest = this.partial.get(t.id);
    if (rest) this.o.write(`${this.o.prefix ? `[${t.id} ${t.name.slice(0, 24)}] ` : ''}${rest}\n`);
    this.partial.delete(t.id);
  }

  private async subscribe(topics: string[]): Promise<void> {
    try {
      await this.client.call('Events.Subscribe', { topics });
    } catch {
      // Without events we still poll once a second.
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}
