// The agent loop (DESIGN.md §5, like Buildkite's agent/): long-poll pull from its topics →
// Task.Start → run the task as a subprocess while keeping the lease and streaming the log →
// Task.Finish. One task at a time; several agent processes give parallelism.
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectMaster, type MasterClient } from '../client/master-client';
import { ErrorCode, OurciError, isRetryableCode } from '../shared/errors';
import type { Params, Result } from '../shared/rpc/catalog';
import { LeaseKeeper } from './lease-keeper';
import { forgetGroup, reapOrphans, recordGroup } from './orphan-groups';
import { LogStreamer } from './log-streamer';
import { ProcessRun, type RunResult } from './process-runner';
import { SecretMasker, secretsOf } from './secret-masker';

export type TaskStart = Result<'Task.Start'>;

/** A started delivery: what Task.Next (or PubSub.Pull + Task.Start) hands the agent. */
type Delivery = NonNullable<Result<'Task.Next'>['next']>;

/** An ended attempt's report, sent with the next Task.Next. */
interface FinishReport {
  task: string;
  ackId: string;
  exitCode: number;
  reason: 'exit' | 'timeout' | 'cancelled' | 'error' | 'signal';
  message?: string;
}

const reportParams = ({ ackId, exitCode, reason, message }: FinishReport): Params<'Task.Finish'> => ({ ackId, exitCode, reason, message });

/** What a task's environment hooks see (the bench adds its board here). */
export interface TaskContext {
  start: TaskStart;
  /** Writes a line into the task's log (e.g. serial output), masked like the rest. */
  log: (text: string) => void;
}

export interface TaskHooks {
  /** Runs before the subprocess; returns extra environment and a cleanup run afterwards. */
  prepare?: (ctx: TaskContext) => Promise<{ env?: Record<string, string>; cleanup?: () => Promise<void> } | void>;
  /** Called with each finished task's result. */
  finished?: (ctx: TaskContext, result: RunResult) => void;
  /** Sees the task's log text as it is written (masked), e.g. for a local live view. */
  output?: (ctx: TaskContext, text: string) => void;
  /** Why the task's environment failed under it (e.g. its board vanished), if it did: a failed
   * task is then reported as an infrastructure `error`, not as the code's `failure`. */
  infrastructureFailure?: (ctx: TaskContext) => string | undefined;
}

export interface AgentConfig {
  url: string;
  token: string;
  topics: string[];
  name: string;
  /** Runs this program with the message's args instead of the args themselves (the seed's trampoline). */
  exec?: string;
  /** Upper bound on a task's run time; a task's own smaller timeout wins. */
  maxTimeoutSeconds?: number;
  /** Environment tasks inherit (PATH, HOME…), without the agent's own credentials. */
  baseEnv: Record<string, string>;
  /** Directories prepended to PATH, so scripts find `ourci` (bin/) */
  pathPrepend?: string[];
  /** Extra variables for every task (OURCI_SH: the shell library). */
  extraEnv?: Record<string, string>;
  workRoot?: string;
  pullWaitSeconds?: number;
  killGraceMs?: number;
  kind?: 'build' | 'bench';
  board?: string;
  hooks?: TaskHooks;
  client?: MasterClient;
  log?: (line: string) => void;
}

export type AgentState = 'starting' | 'idle' | 'busy' | 'draining' | 'stopped';

export class Agent {
  readonly client: MasterClient;
  private state: AgentState = 'starting';
  private draining = false;
  private readonly pullAbort = new AbortController();
  private current: { run: ProcessRun | null; ackId: string; subscription: string; release: boolean; lost: boolean; cancelled: boolean } | null = null;
  private loopDone: Promise<void> | null = null;
  private readonly ownsClient: boolean;
  private readonly log: (line: string) => void;
  /** False once the master turned out not to know Task.Next (an older master). */
  private taskNext = true;
  /** Tasks finished by this agent (for tests and status lines). */
  completed = 0;

  constructor(private readonly cfg: AgentConfig) {
    this.ownsClient = !cfg.client;
    this.client = cfg.client ?? connectMaster(cfg.url, cfg.token, { name: `ourci-agent/${cfg.name}` });
    this.log = cfg.log ?? (() => {});
    this.client.on('Task.Cancelled', (p) => {
      const ackId = (p as { ackId?: string }).ackId;
      if (this.current && ackId === this.current.ackId) {
        // The cancel may arrive before the subprocess exists: remember it.
        this.current.cancelled = true;
        this.current.run?.stop('cancelled');
      }
    });
    this.client.onReconnect(() => void this.register());
  }

  get status(): AgentState {
    return this.state;
  }

  /** Starts pulling; resolves when the agent has stopped (after drain). */
  run(): Promise<void> {
    this.loopDone ??= this.loop();
    return this.loopDone;
  }

  /** Stops pulling and lets the current task finish; `release` kills it and hands it back instead. */
  async drain(release = false): Promise<void> {
    this.draining = true;
    this.state = 'draining';
    this.pullAbort.abort();
    if (release && this.current) {
      this.current.release = true;
      this.current.run?.stop('cancelled');
    }
    await this.loopDone;
  }

  /** Releases the running task right away (second signal). */
  releaseNow(): void {
    if (!this.current) return;
    this.current.release = true;
    this.current.run?.stop('cancelled');
  }

  private async register(): Promise<void> {
    try {
      await this.client.call('Agent.Register', {
        name: this.cfg.name,
        host: hostname(),
        topics: this.cfg.topics,
        version: '0.1.0',
        kind: this.cfg.kind ?? 'build',
        board: this.cfg.board,
        state: this.draining ? 'draining' : this.current ? 'busy' : 'idle',
      });
    } catch {
      // Registration is informational; the next reconnect retries it.
    }
  }

  private async loop(): Promise<void> {
    reapOrphans(this.cfg.workRoot ?? tmpdir(), this.log);
    await this.register();
    let backoff = 500;
    // The last task's report travels with the next Task.Next (one round trip per task); it is
    // kept until the master has confirmed it, and sent as a plain Task.Finish when we stop.
    let finish: FinishReport | undefined;
    while (!this.draining) {
      this.state = 'idle';
      let got: Delivery | undefined;
      try {
        got = await this.take(finish);
        if (finish) this.completed++;
        finish = undefined;
        backoff = 500;
      } catch (err) {
        if (this.draining) break;
        if (err instanceof OurciError && (err.code === ErrorCode.Unauthorized || err.code === ErrorCode.Forbidden)) {
          this.log(`agent ${this.cfg.name}: ${err.message}; stopping`);
          this.state = 'stopped';
          if (this.ownsClient) this.client.close();
          throw err;
        }
        if (finish && !(err instanceof OurciError && isRetryableCode(err.code))) {
          // The master refused the report itself (e.g. 409: the attempt is no longer current).
          this.log(`agent ${this.cfg.name}: could not report task ${finish.task}: ${(err as Error).message}`);
          finish = undefined;
        }
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 10_000);
        continue;
      }
      if (!got) continue;
      if (this.draining) {
        await this.nack(got.subscription, got.ackId);
        break;
      }
      finish = await this.runTask(got);
    }
    if (finish) await this.report(finish);
    this.state = 'stopped';
    if (this.ownsClient) this.client.close();
  }

  /**
   * Reports the last task (if any) and waits for the next one: Task.Next in one round trip, or
   * Task.Finish, PubSub.Pull and Task.Start on a master without it. Resolves with nothing when
   * the poll timed out or the delivery could not be started.
   */
  private async take(finish: FinishReport | undefined): Promise<Delivery | undefined> {
    const wait = this.cfg.pullWaitSeconds ?? 30;
    const opts = { timeoutMs: (wait + 30) * 1000, signal: this.pullAbort.signal };
    if (this.taskNext) {
      try {
        const r = await this.client.call(
          'Task.Next',
          { subscriptions: this.cfg.topics, waitSeconds: wait, agent: this.cfg.name, board: this.cfg.board, finish: finish && reportParams(finish) },
          opts,
        );
        return r.next;
      } catch (err) {
        if (!(err instanceof OurciError && err.code === ErrorCode.MethodNotFound)) throw err;
        this.taskNext = false;
      }
    }
    if (finish) await this.client.call('Task.Finish', reportParams(finish), { retry: true, timeoutMs: 10 * 60_000 });
    const r = await this.client.call('PubSub.Pull', { subscriptions: this.cfg.topics, maxMessages: 1, waitSeconds: wait }, opts);
    const msg = r.receivedMessages[0];
    if (!msg) return undefined;
    try {
      const start = await this.client.call('Task.Start', { ackId: msg.ackId, agent: this.cfg.name, board: this.cfg.board }, { retry: true, timeoutMs: 30_000 });
      return { ackId: msg.ackId, subscription: msg.subscription, deliveryAttempt: msg.deliveryAttempt, start };
    } catch (err) {
      this.log(`agent ${this.cfg.name}: could not start a task: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** A plain Task.Finish, when no next task is wanted (draining). Idempotent if already received. */
  private async report(finish: FinishReport): Promise<void> {
    try {
      await this.client.call('Task.Finish', reportParams(finish), { retry: true, timeoutMs: this.draining ? 60_000 : 10 * 60_000 });
      this.completed++;
    } catch (err) {
      this.log(`agent ${this.cfg.name}: could not report task ${finish.task}: ${(err as Error).message}`);
    }
  }

  private async nack(subscription: string, ackId: string): Promise<void> {
    try {
      await this.client.call('PubSub.ModifyAckDeadline', { subscription, ackIds: [ackId], ackDeadlineSeconds: 0 }, { timeoutMs: 10_000 });
    } catch {
      // The lease will run out by itself.
    }
  }

  /** Runs a started task; returns its report, or nothing if the attempt was lost or released. */
  private async runTask(msg: Delivery): Promise<FinishReport | undefined> {
    const start = msg.start;
    this.state = 'busy';
    // The delivery's ackId identifies this attempt to operators (and to the tests that play
    // a dead agent's late reports); it is not a credential on its own.
    this.log(`agent ${this.cfg.name}: task ${start.task.id} attempt ${start.attempt} of job ${start.job.id} started (delivery ${msg.ackId})`);
    const cur = { run: null as ProcessRun | null, ackId: msg.ackId, subscription: msg.subscription, release: false, lost: false, cancelled: false };
    this.current = cur;
    const taskId = start.task.id;
    const masker = new SecretMasker(secretsOf(start.env, [start.token]));
    const streamer = new LogStreamer(this.client, taskId, start.attempt, {
      onLeaseLost: () => {
        cur.lost = true;
        cur.run?.stop('lost');
      },
      // A task writing faster than the master takes its log waits on its pipe.
      onPressure: (full) => (full ? cur.run?.pauseOutput() : cur.run?.resumeOutput()),
    });
    const ctx: TaskContext = { start, log: (text) => emit(text) };
    const emit = (text: string): void => {
      const masked = masker.write(text);
      streamer.write(masked);
      if (masked) this.cfg.hooks?.output?.(ctx, masked);
    };
    const keeper = new LeaseKeeper(this.client, {
      subscription: msg.subscription,
      ackId: msg.ackId,
      deadlineSeconds: start.ackDeadlineSeconds,
      onCancelled: () => {
        cur.cancelled = true;
        cur.run?.stop('cancelled');
      },
      onLost: () => {
        cur.lost = true;
        cur.run?.stop('lost');
      },
    });
    const [program, ...args] = this.cfg.exec ? [this.cfg.exec, ...start.args] : start.args;
    const timeoutSeconds = Math.min(start.timeoutSeconds, this.cfg.maxTimeoutSeconds ?? Infinity);
    emit(`[ourci] task ${taskId} attempt ${start.attempt} of job ${start.job.id} on ${this.cfg.name} (${hostname()}), topic ${start.task.topic}\n`);
    emit(`[ourci] $ ${[program, ...args].map(shellQuote).join(' ')}\n`);
    const workRoot = this.cfg.workRoot ?? tmpdir();
    let group: number | undefined;
    let dir: string | null = null;
    let result: RunResult;
    let cleanup: (() => Promise<void>) | undefined;
    try {
      dir = await mkdtemp(join(workRoot, `ourci-task-${taskId}-`));
      const prepared = (await this.cfg.hooks?.prepare?.(ctx)) ?? undefined;
      cleanup = prepared?.cleanup;
      const path = [...(this.cfg.pathPrepend ?? []), this.cfg.baseEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(':');
      const env = { ...this.cfg.baseEnv, ...this.cfg.extraEnv, ...start.env, ...prepared?.env, PATH: path };
      const run = new ProcessRun({
        program: program!,
        args,
        cwd: dir,
        env,
        timeoutMs: timeoutSeconds * 1000,
        killGraceMs: this.cfg.killGraceMs,
        onOutput: emit,
        onGroup: (pgid) => {
          if (pgid !== undefined) recordGroup(workRoot, (group = pgid));
          else if (group !== undefined) forgetGroup(workRoot, group);
        },
      });
      cur.run = run;
      if (cur.release || cur.lost || cur.cancelled) run.stop(cur.lost ? 'lost' : 'cancelled');
      result = await run.done;
    } catch (err) {
      result = { exitCode: 1, reason: 'spawn-error', message: (err as Error).message, durationMs: 0 };
    } finally {
      keeper.stop();
      await cleanup?.().catch(() => {});
      if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
    }
    const infra = result.reason === 'exit' && result.exitCode !== 0 ? this.cfg.hooks?.infrastructureFailure?.(ctx) : undefined;
    if (infra) emit(`\n[ourci] infrastructure failure: ${infra}; reported as an error, not a failure of the code\n`);
    emit(
      cur.release && !cur.lost
        ? `\n[ourci] released after ${(result.durationMs / 1000).toFixed(1)}s: the agent is stopping; the task goes back to its queue\n`
        : footer(result, timeoutSeconds),
    );
    const rest = masker.end();
    if (rest) {
      streamer.write(rest);
      this.cfg.hooks?.output?.(ctx, rest);
    }
    // A released task hands its log over quickly: the master may be the reason we stop.
    await streamer.flush(cur.release ? 5000 : 60_000);
    streamer.stop();
    this.current = null;
    this.cfg.hooks?.finished?.(ctx, result);
    if (cur.lost) {
      this.log(`agent ${this.cfg.name}: lost the lease of task ${taskId}; the master gave it to another agent`);
      return undefined;
    }
    if (cur.release) {
      await this.nack(msg.subscription, msg.ackId);
      return undefined;
    }
    if (infra) return { task: taskId, ackId: msg.ackId, exitCode: result.exitCode, reason: 'error', message: infra };
    const reason = result.reason === 'spawn-error' || result.reason === 'exit' ? 'exit' : result.reason === 'lost' ? 'error' : result.reason;
    return { task: taskId, ackId: msg.ackId, exitCode: result.exitCode, reason, message: result.message };
  }
}

function footer(r: RunResult, timeoutSeconds: number): string {
  const secs = (r.durationMs / 1000).toFixed(1);
  switch (r.reason) {
    case 'timeout':
      return `\n[ourci] build timed out after ${timeoutSeconds}s: process group terminated\n`;
    case 'cancelled':
      return `\n[ourci] cancelled after ${secs}s: process group terminated\n`;
    case 'spawn-error':
      return `\n[ourci] could not run the task: ${r.message ?? 'spawn failed'}\n`;
    case 'signal':
      return `\n[ourci] killed by ${r.signal} after ${secs}s\n`;
    case 'lost':
      return `\n[ourci] lease lost after ${secs}s: stopped\n`;
    default:
      return `\n[ourci] exit code ${r.exitCode} after ${secs}s\n`;
  }
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
