// One board's agent: the jobs layer's `Agent` (src/agent) pulling the board's topic, with hooks
// that hand the task its board (BOARD_* variables, OURCI_BENCH_URL with a token for this task
// only), capture the board's serial output into the task's log, and feed the board's health.
// Stopping drains: no new pulls, the running task finishes. A new Agent resumes pulling.
import { Agent, type AgentConfig, type RunResult, type TaskContext } from '../agent';
import type { BenchTask } from '../shared/bench/model';
import type { BoardSlot } from './board-slot';
import type { TaskHistory } from './task-history';

/** What every worker of a bench shares. */
export interface WorkerEnv {
  master: { url: string; token: string };
  bench: string;
  agent: Pick<AgentConfig, 'baseEnv' | 'pathPrepend' | 'extraEnv' | 'workRoot' | 'maxTimeoutSeconds' | 'pullWaitSeconds' | 'killGraceMs'>;
  tasks: TaskHistory;
  /** A token that lets this task (and only it) use its board through the bench API. */
  grant(board: string, task: string): { url: string; revoke: () => void };
  /** The task's process has ended: stop what it left running on the board (a flash). */
  released(slot: BoardSlot, task: string): Promise<void>;
  /** The task ended; `infra` when the bench saw the board fail during it. */
  finished(slot: BoardSlot, task: BenchTask, infra: string | undefined): void;
  log(line: string): void;
}

export class BoardWorker {
  private agent: Agent | undefined;
  private stopping: Promise<void> | undefined;
  private released = new Set<string>();
  private infra: string | undefined;

  constructor(
    private readonly slot: BoardSlot,
    private readonly env: WorkerEnv,
  ) {}

  get running(): boolean {
    return !!this.agent && !this.stopping;
  }

  get busy(): boolean {
    return !!this.stopping;
  }

  /** The board failed during the current task (flash could not sync, port vanished…). */
  markInfrastructureFailure(reason: string): void {
    this.infra ??= reason;
  }

  start(): void {
    if (this.agent || this.stopping) return;
    const slot = this.slot;
    const topic = slot.topic!;
    const agent: Agent = new Agent({
      ...this.env.agent,
      url: this.env.master.url,
      token: this.env.master.token,
      topics: [topic],
      name: `${this.env.bench}/${slot.id}`,
      kind: 'bench',
      board: slot.id,
      hooks: {
        prepare: async (ctx) => this.prepare(agent, ctx),
        output: (ctx, text) => {
          // The agent's own header lines come before prepare(): record the task on first sight.
          this.env.tasks.begin(ctx.start, slot.id);
          this.env.tasks.append(ctx.start.task.id, text);
        },
        // A task that failed while the board failed under it is the bench's error, not the code's.
        infrastructureFailure: () => this.infra,
        finished: (ctx, result) => this.finished(ctx, result),
      },
      log: this.env.log,
    });
    this.agent = agent;
    void agent.run().catch((err: unknown) => {
      this.env.log(`worker ${slot.id}: ${(err as Error).message}`);
      if (this.agent === agent) this.agent = undefined;
    });
  }

  /** Stops pulling; `release` hands a running task back to the queue instead of waiting for it. */
  stop(release = false): Promise<void> {
    const agent = this.agent;
    if (!agent) return this.stopping ?? Promise.resolve();
    if (release && this.slot.task) this.released.add(this.slot.task.id);
    this.stopping ??= agent.drain(release).finally(() => {
      if (this.agent === agent) this.agent = undefined;
      this.stopping = undefined;
    });
    return this.stopping;
  }

  private async prepare(agent: Agent, ctx: TaskContext): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
    const slot = this.slot;
    const start = ctx.start;
    this.env.tasks.begin(start, slot.id);
    if (!slot.acceptsTask) {
      // Someone locked, quarantined or paused the board between the pull and now: give the
      // task back to the queue rather than run it on a board the operator just claimed.
      this.released.add(start.task.id);
      ctx.log(`[bench] board ${slot.id} was claimed (${slot.state}) as this task arrived; releasing it to another board\n`);
      agent.releaseNow();
      return { env: {}, cleanup: async () => {} };
    }
    this.infra = undefined;
    slot.beginTask({ id: start.task.id, job: start.job.id, attempt: start.attempt, log: ctx.log });
    const grant = this.env.grant(slot.id, start.task.id);
    const b = slot.board;
    ctx.log(`[bench] board ${b.id} (${[b.chip ?? b.type, b.mac && `MAC ${b.mac}`, b.port].filter(Boolean).join(', ')}), serial at ${slot.baud} baud\n`);
    return {
      env: {
        BOARD_ID: b.id,
        BOARD_TYPE: b.type,
        BOARD_MAC: b.mac ?? '',
        SERIAL_PORT: b.port,
        OURCI_BENCH_URL: grant.url,
      },
      cleanup: async () => {
        grant.revoke();
        await this.env.released(slot, start.task.id);
        if (slot.task?.id === start.task.id) slot.endTask();
      },
    };
  }

  private finished(ctx: TaskContext, r: RunResult): void {
    const id = ctx.start.task.id;
    const released = this.released.delete(id);
    const infra = released ? undefined : this.infra;
    const status: BenchTask['status'] = released
      ? 'released'
      : r.reason === 'exit'
        ? r.exitCode === 0
          ? 'success'
          : infra
            ? 'error'
            : 'failure'
        : r.reason === 'timeout'
          ? 'timeout'
          : r.reason === 'cancelled'
            ? 'cancelled'
            : 'error';
    const task = this.env.tasks.finish(id, { status, exitCode: r.exitCode, reason: (status === 'error' ? infra : r.message) ?? r.reason });
    this.infra = undefined;
    if (task && !released) this.env.finished(this.slot, task, infra);
  }
}
