// The bench (DESIGN.md §7) as a plain Node object: discovery's boards become slots, each slot
// gets a worker pulling its topic while it is present, healthy, unlocked and not paused; flash
// operations borrow a board's port; the board list goes to the master. The Electron main
// process, `ourci bench --headless` and `ourci up --virtual-boards` all run this same object,
// and every UI reaches it through one API (api/bench-api.ts).
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Board, BoardAccess } from '../devices';
import type { BenchBoard, BenchEvent, BenchSettings, BenchSummary, BenchTask } from '../shared/bench/model';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { loadBenchConfig, saveBenchConfig, withBoard, type BenchConfig } from './bench-config';
import { BoardSlot } from './board-slot';
import { BoardWorker, type WorkerEnv } from './board-worker';
import { FlashManager } from './flash-manager';
import { DEFAULT_HEALTH, judgeHealth } from './health';
import { MasterLink, type MasterTarget } from './master-link';
import { TaskGrants } from './task-grants';
import { TaskHistory } from './task-history';
import { DEFAULT_TOPICS, topicFor } from './topics';

export interface BenchOptions {
  /** Boards: discovery and the virtual boards of this process (opened by the caller). */
  access: BoardAccess;
  /** bench.json: settings, topics per board, quarantined boards. Not written when absent. */
  configFile?: string;
  /** Overrides the config file's master (flags, environment, `ourci up`). */
  master?: MasterTarget;
  /** Used when neither `master` nor the config file names one (a local master's record). */
  masterFallback?: MasterTarget;
  name?: string;
  version?: string;
  /** What tasks inherit and where they run (see AgentConfig). */
  agent: WorkerEnv['agent'];
  log?: (line: string) => void;
}

export interface BenchEvents {
  event: [BenchEvent];
}

const DEFAULT_LOCK_SECONDS = 300;

export class BenchService extends EventEmitter<BenchEvents> {
  readonly grants = new TaskGrants();
  readonly flashes: FlashManager;
  readonly tasks: TaskHistory;
  readonly link: MasterLink;
  private readonly slots = new Map<string, BoardSlot>();
  private readonly workers = new Map<string, { worker: BoardWorker; topic: string; master: MasterTarget }>();
  private config: BenchConfig;
  private paused = false;
  private started = false;
  private closed = false;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: BenchOptions) {
    super();
    this.setMaxListeners(0);
    this.log = opts.log ?? (() => {});
    this.config = loadBenchConfig(opts.configFile);
    this.tasks = new TaskHistory(
      (task) => this.emitEvent({ type: 'task', task }),
      (task, offset, text) => this.emitEvent({ type: 'task.log', task, offset, text }),
    );
    this.flashes = new FlashManager({
      emit: (e) => this.emitEvent(e),
      // A task's flash counts once, with the task's end; an operator's counts now.
      outcome: (slot, o) => (slot.task ? o instanceof Error && this.taskInfrastructureFailure(slot, o.message) : this.recordOutcome(slot, o)),
    });
    this.link = new MasterLink(() => {
      this.emitSummary();
      for (const s of this.slots.values()) this.reconcile(s);
    }, this.log);
  }

  get name(): string {
    return this.config.name ?? this.opts.name ?? hostname();
  }

  get lockSeconds(): number {
    return this.config.lockSeconds ?? DEFAULT_LOCK_SECONDS;
  }

  /** Registers the boards found so far, follows discovery, connects to the master. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const d = this.opts.access.discovery;
    d.on('added', (b) => this.added(b));
    d.on('removed', (b) => this.removed(b));
    d.on('status', () => this.emitSummary());
    for (const b of d.boards()) this.added(b);
    this.link.configure(this.masterTarget());
  }

  private masterTarget(): MasterTarget | undefined {
    if (this.opts.master) return this.opts.master;
    const m = this.config.master;
    return m?.url && m.token ? { url: m.url, token: m.token } : this.opts.masterFallback;
  }

  // ---- views -------------------------------------------------------------------------------

  summary(): BenchSummary {
    const st = this.opts.access.status();
    return {
      name: this.name,
      version: this.opts.version ?? '0.1.0',
      paused: this.paused,
      master: this.link.state,
      discovery: { enumeration: st.enumeration, error: st.error },
    };
  }

  boards(): BenchBoard[] {
    return [...this.slots.values()].map((s) => s.toInfo()).sort((a, b) => a.id.localeCompare(b.id));
  }

  slot(id: string): BoardSlot {
    const s = this.slots.get(id);
    if (!s) throw new NotFoundError(`no board ${id} on this bench`);
    return s;
  }

  settings(): BenchSettings {
    const topics: Record<string, string> = {};
    for (const [id, b] of Object.entries(this.config.boards ?? {})) if (b.topic) topics[id] = b.topic;
    const m = this.opts.master ?? (this.config.master?.url ? this.config.master : this.opts.masterFallback);
    return {
      name: this.name,
      masterUrl: m?.url,
      hasToken: !!m?.token,
      topics,
      defaultTopics: { ...DEFAULT_TOPICS, ...this.config.topics },
      configFile: this.opts.configFile,
    };
  }

  // ---- operator actions --------------------------------------------------------------------

  setPaused(paused: boolean): BenchSummary {
    this.paused = paused;
    for (const s of this.slots.values()) {
      s.paused = paused;
      this.changed(s);
    }
    this.emitSummary();
    return this.summary();
  }

  saveSettings(change: { name?: string; masterUrl?: string; token?: string; topics?: Record<string, string> }): BenchSettings {
    let next: BenchConfig = { ...this.config };
    if (change.name !== undefined) next.name = change.name;
    if (change.masterUrl !== undefined || change.token !== undefined) {
      // Start from what is in effect (flags, a local master), so changing one keeps the other.
      const effective = this.masterTarget();
      const master = { url: next.master?.url ?? effective?.url, token: next.master?.token ?? effective?.token };
      if (change.masterUrl !== undefined) master.url = change.masterUrl.trim() ? masterUrlOf(change.masterUrl.trim()) : undefined;
      if (change.token !== undefined) master.token = change.token.trim() || undefined;
      next.master = master;
    }
    for (const [id, topic] of Object.entries(change.topics ?? {})) next = withBoard(next, id, (b) => ({ ...b, topic: topic.trim() || undefined }));
    this.persist(next);
    if (change.masterUrl !== undefined || change.token !== undefined) {
      // Settings win over flags from now on: the operator said so.
      this.opts.master = undefined;
      this.opts.masterFallback = undefined;
      this.link.configure(this.masterTarget());
    }
    for (const s of this.slots.values()) this.applyTopic(s);
    this.emitSummary();
    return this.settings();
  }

  quarantine(id: string, reason: string, automatic = false): BenchBoard {
    const s = this.slot(id);
    const detail = { reason, at: new Date().toISOString(), automatic };
    s.health = { ...s.health, status: 'quarantined', detail };
    this.persist(withBoard(this.config, id, (b) => ({ ...b, quarantined: detail })));
    this.changed(s);
    this.emitEvent({ type: 'notice', level: automatic ? 'error' : 'info', board: id, text: `board ${id} quarantined: ${reason}` });
    return s.toInfo();
  }

  returnToService(id: string): BenchBoard {
    const s = this.slot(id);
    s.health = { consecutiveFailures: 0, status: 'ok' };
    this.persist(withBoard(this.config, id, (b) => ({ ...b, quarantined: undefined })));
    this.changed(s);
    this.emitEvent({ type: 'notice', level: 'info', board: id, text: `board ${id} returned to service` });
    return s.toInfo();
  }

  // ---- health ------------------------------------------------------------------------------

  /** A bench operation or task on the board ended: ok, an infrastructure failure, or neither. */
  recordOutcome(s: BoardSlot, outcome: 'ok' | 'neutral' | Error | string): void {
    if (outcome === 'neutral') return;
    if (outcome === 'ok') {
      if (s.health.consecutiveFailures === 0 && s.health.status !== 'degraded') return;
      const auto = s.health.status === 'degraded';
      s.health = { ...s.health, consecutiveFailures: 0, ...(auto ? { status: 'ok', detail: undefined } : {}) };
      return this.changed(s);
    }
    const reason = typeof outcome === 'string' ? outcome : outcome.message;
    s.health = { ...s.health, consecutiveFailures: s.health.consecutiveFailures + 1, lastFailure: reason };
    if (s.health.status === 'quarantined') return this.changed(s);
    const sameType = [...this.slots.values()].filter((x) => x.board.type === s.board.type && x.present);
    const verdict = judgeHealth(
      s.health.consecutiveFailures,
      { total: sameType.length, quarantined: sameType.filter((x) => x.health.status === 'quarantined').length },
      { failuresToQuarantine: this.config.failuresToQuarantine ?? DEFAULT_HEALTH.failuresToQuarantine },
    );
    const why = `${s.health.consecutiveFailures} infrastructure failures in a row, the last: ${reason}`;
    if (verdict === 'quarantine') return void this.quarantine(s.id, why, true);
    if (verdict === 'degraded' && s.health.status !== 'degraded') {
      s.health = { ...s.health, status: 'degraded', detail: { reason: `${why}; kept in service: at most half of the ${s.board.type} boards are quarantined automatically`, at: new Date().toISOString(), automatic: true } };
      this.emitEvent({ type: 'notice', level: 'warn', board: s.id, text: `board ${s.id} is failing (${why}) but stays in service` });
    }
    this.changed(s);
  }

  // ---- boards and workers ------------------------------------------------------------------

  private added(board: Board): void {
    const had = this.slots.get(board.id);
    if (had) {
      had.attach(board);
      return;
    }
    const cfg = this.config.boards?.[board.id];
    const slot = new BoardSlot(board, { endpoint: (id) => this.opts.access.discovery.endpoint(id), emit: (e) => this.emitEvent(e), changed: (s) => this.changed(s) }, { baud: cfg?.baud });
    slot.paused = this.paused;
    if (cfg?.quarantined) slot.health = { consecutiveFailures: 0, status: 'quarantined', detail: cfg.quarantined };
    slot.topic = topicFor(board, this.settings().topics, this.config.topics);
    this.slots.set(board.id, slot);
    slot.start();
    this.log(`bench: board ${board.id} (${board.type}, ${board.port})${slot.topic ? ` pulls ${slot.topic}` : ': unknown type, not pulling'}`);
    this.changed(slot);
  }

  private removed(board: Board): void {
    const s = this.slots.get(board.id);
    if (!s) return;
    if (s.task) {
      this.workers.get(s.id)?.worker.markInfrastructureFailure('the board vanished during the task');
      this.recordOutcome(s, `board vanished (${board.port}) during task ${s.task.id}`);
      this.emitEvent({ type: 'notice', level: 'error', board: s.id, text: `board ${s.id} vanished during task ${s.task.id}` });
    }
    s.detach();
  }

  private applyTopic(s: BoardSlot): void {
    const topic = topicFor(s.board, this.settings().topics, this.config.topics);
    if (topic === s.topic) return;
    s.topic = topic;
    this.changed(s);
  }

  private changed(s: BoardSlot): void {
    if (this.closed) return;
    this.reconcile(s);
    this.emitEvent({ type: 'board', board: s.toInfo() });
    this.link.report(this.name, this.boards());
  }

  /** Starts or stops the board's worker so that it pulls exactly when it should. */
  private reconcile(s: BoardSlot): void {
    if (this.closed || !this.started) return;
    const master = this.link.configured;
    const w = this.workers.get(s.id);
    // A refused token would only be refused again, per board: wait for new settings.
    const want = s.wantsWorker && !!master && this.link.state.state !== 'refused';
    const current = w && w.topic === s.topic && w.master === master;
    if (want && current) {
      if (!w.worker.running && !w.worker.busy) w.worker.start();
      return;
    }
    if (w) {
      if (w.worker.running) void w.worker.stop(!s.present).then(() => this.reconcile(s));
      else if (!w.worker.busy) this.workers.delete(s.id);
      if (w.worker.running || w.worker.busy) return;
    }
    if (!want) return;
    const worker = new BoardWorker(s, this.workerEnv(master!));
    this.workers.set(s.id, { worker, topic: s.topic!, master: master! });
    worker.start();
  }

  private workerEnv(master: MasterTarget): WorkerEnv {
    return {
      master,
      bench: this.name,
      agent: this.opts.agent,
      tasks: this.tasks,
      grant: (board, task) => this.grants.issue(board, task),
      released: async (_slot, task) => {
        const left = this.flashes.list().filter((f) => f.task === task && f.state === 'running');
        for (const f of left) this.flashes.cancel(f.id);
        await Promise.all(left.map((f) => this.flashes.wait(f.id).catch(() => undefined)));
      },
      finished: (slot, task, infra) => this.taskFinished(slot, task, infra),
      log: this.log,
    };
  }

  private taskFinished(s: BoardSlot, task: BenchTask, infra: string | undefined): void {
    if (infra) this.recordOutcome(s, infra);
    else if (task.status === 'success') this.recordOutcome(s, 'ok');
    if (task.status !== 'success') {
      this.emitEvent({ type: 'notice', level: 'error', board: s.id, text: `task ${task.id}${task.name ? ` (${task.name})` : ''} on ${s.id}: ${task.status}${task.exitCode !== undefined ? `, exit code ${task.exitCode}` : ''}` });
    }
  }

  /** The board failed during its current task (the task route saw the flash fail). */
  taskInfrastructureFailure(s: BoardSlot, reason: string): void {
    this.workers.get(s.id)?.worker.markInfrastructureFailure(reason);
  }

  private persist(next: BenchConfig): void {
    this.config = next;
    if (this.opts.configFile) saveBenchConfig(this.opts.configFile, next);
  }

  private emitSummary(): void {
    this.emitEvent({ type: 'bench', bench: this.summary() });
  }

  private emitEvent(e: BenchEvent): void {
    this.emit('event', e);
  }

  /** Stops pulling (running tasks are handed back), closes the ports and the master connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers.values()].map((w) => w.worker.stop(true)));
    await Promise.all([...this.slots.values()].map((s) => s.dispose()));
    this.link.close();
  }
}

function masterUrlOf(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new BadRequestError(`the master URL must look like http://ci-host:8080, got ${text}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new BadRequestError(`the master URL must be http:// or https://, got ${text}`);
  return u.toString().replace(/\/$/, '');
}
