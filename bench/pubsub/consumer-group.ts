// The orchestrator's side of consumer processes: fork them, wait for their events, ask for
// their figures, SIGKILL one, and always stop them all.
import { fork, type ChildProcess } from 'node:child_process';
import type { ConsumerConfig, FromChild, ToChild } from './consumer-process';

type Ev = FromChild['ev'];
type EvOf<E extends Ev> = Extract<FromChild, { ev: E }>;

class ConsumerProc {
  private readonly queue: FromChild[] = [];
  private readonly waiters: Array<{ ev: Ev; resolve: (m: FromChild) => void; reject: (e: Error) => void }> = [];
  exited = false;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromChild) => {
      if (m.ev === 'error') return this.failAll(new Error(`consumer process failed: ${m.message}`));
      const i = this.waiters.findIndex((w) => w.ev === m.ev);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      else this.queue.push(m);
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      this.failAll(new Error(`consumer process exited (${signal ?? code})`));
    });
  }

  next<E extends Ev>(ev: E, timeoutMs: number): Promise<EvOf<E>> {
    const i = this.queue.findIndex((m) => m.ev === ev);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as EvOf<E>);
    if (this.exited) return Promise.reject(new Error('consumer process is gone'));
    return new Promise((resolve, reject) => {
      const w = {
        ev,
        resolve: (m: FromChild) => {
          clearTimeout(t);
          resolve(m as EvOf<E>);
        },
        reject: (e: Error) => {
          clearTimeout(t);
          reject(e);
        },
      };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for "${ev}" from a consumer process`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Asks the process to close its consumers and exit; SIGKILL if it takes too long. */
  stop(graceMs = 5000): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      this.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      this.send({ cmd: 'stop' });
    });
  }

  send(m: ToChild): void {
    if (!this.exited && this.child.connected) this.child.send(m);
  }

  async ask<E extends Ev>(m: ToChild, ev: E, timeoutMs = 10_000): Promise<EvOf<E>> {
    const p = this.next(ev, timeoutMs);
    this.send(m);
    return p;
  }

  private failAll(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

let seq = 0;

export class ConsumerGroup {
  private constructor(readonly procs: ConsumerProc[]) {}

  /** Forks one process per config and waits until every consumer is connected. */
  static async start(ctx: { script: string; profileDir?: string }, configs: ConsumerConfig[]): Promise<ConsumerGroup> {
    const procs = configs.map((c) => {
      const execArgv = ctx.profileDir
        ? ['--cpu-prof', '--cpu-prof-dir', ctx.profileDir, '--cpu-prof-name', `consumer-${c.queue}-${seq++}.cpuprofile`]
        : [];
      return new ConsumerProc(fork(ctx.script, [JSON.stringify(c)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    });
    const group = new ConsumerGroup(procs);
    try {
      await Promise.all(procs.map((p) => p.next('ready', 30_000)));
    } catch (err) {
      await group.stop();
      throw err;
    }
    return group;
  }

  /** Lets every consumer start taking messages; resolves once each has asked for one. */
  async go(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.ask({ cmd: 'go' }, 'started')));
  }

  async stats(): Promise<{ count: number; lastAt: number; cpuMicros: number }> {
    const all = await Promise.all(this.procs.map((p) => p.ask({ cmd: 'stat' }, 'stat')));
    return {
      count: all.reduce((n, s) => n + s.count, 0),
      lastAt: Math.max(...all.map((s) => s.lastAt)),
      cpuMicros: all.reduce((n, s) => n + s.cpuMicros, 0),
    };
  }

  async latencies(): Promise<number[]> {
    const all = await Promise.all(this.procs.map((p) => p.ask({ cmd: 'latencies' }, 'latencies', 30_000)));
    return all.flatMap((l) => l.values);
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }
}
