// One board's place on the bench: what it is, who owns it (a task, an operator's lock, a flash),
// its health, and its serial port. The port has one owner at a time: the serial monitor reads
// it whenever nothing else needs it, and `exclusive()` lends it to flashing. That is why a
// task's `ourci flash`, the capture into the task's log and the GUI console never fight.
import { LineControlUnsupportedError, SerialMonitor, type Board, type MonitorLine, type SerialEndpoint } from '../devices';
import type { BoardState } from '../shared/agents/methods';
import type { BenchBoard, BenchEvent, SerialLine } from '../shared/bench/model';
import { ConflictError, UnavailableError } from '../shared/errors';
import { SerialHistory } from './serial-history';
import type { z } from 'zod';

type State = z.infer<typeof BoardState>;

export interface SlotEnv {
  /** Where the board's port is now (undefined while unplugged). */
  endpoint(id: string): SerialEndpoint | undefined;
  emit(event: BenchEvent): void;
  /** Ownership, presence or health changed: reconcile the worker and report to the master. */
  changed(slot: BoardSlot): void;
}

export interface ActiveTask {
  id: string;
  job: string;
  attempt: number;
  /** Writes into the task's log. */
  log: (text: string) => void;
}

export interface SlotHealth {
  consecutiveFailures: number;
  status: 'ok' | 'degraded' | 'quarantined';
  detail?: { reason: string; at: string; automatic: boolean };
  lastFailure?: string;
}

const SERIAL_BATCH_MS = 40;

export class BoardSlot {
  board: Board;
  present = true;
  topic: string | undefined;
  paused = false;
  task: ActiveTask | undefined;
  lock: { by: string; until: number } | undefined;
  /** The flash operation holding the port, if any. */
  flash: string | undefined;
  health: SlotHealth = { consecutiveFailures: 0, status: 'ok' };
  readonly history = new SerialHistory();
  private readonly monitor: SerialMonitor;
  private baudValue: number;
  private lockTimer: NodeJS.Timeout | undefined;
  private portQueue: Promise<unknown> = Promise.resolve();
  private lent = false;
  private pendingLines: SerialLine[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    board: Board,
    private readonly env: SlotEnv,
    opts: { baud?: number } = {},
  ) {
    this.board = board;
    this.baudValue = opts.baud ?? 115200;
    this.monitor = new SerialMonitor({ resolve: () => (this.present ? this.env.endpoint(this.board.id) : undefined), baud: this.baudValue });
    this.monitor.on('line', (line) => this.onLine(line));
    // "waiting" repeats on every retry while a port cannot be opened: report changes only.
    let shown = this.monitor.state;
    this.monitor.on('state', (st) => {
      if (st === shown) return;
      shown = st;
      this.env.changed(this);
    });
  }

  get id(): string {
    return this.board.id;
  }

  get baud(): number {
    return this.baudValue;
  }

  get state(): State {
    if (!this.present) return 'offline';
    if (this.flash) return 'flashing';
    if (this.task) return 'busy';
    if (this.health.status === 'quarantined') return 'quarantined';
    if (this.lock) return 'locked';
    if (this.paused) return 'paused';
    return 'idle';
  }

  /** Whether its worker should be pulling (a running task keeps it busy either way). */
  get wantsWorker(): boolean {
    return this.present && !!this.topic && this.health.status !== 'quarantined' && !this.lock && !this.paused && !this.disposed;
  }

  /** A task may start only on a board nobody else claimed in the meantime. */
  get acceptsTask(): boolean {
    return this.wantsWorker && !this.task && !this.flash;
  }

  /** Starts reading the port (call once the slot is registered). */
  start(): void {
    void this.monitor.start();
  }

  attach(board: Board): void {
    this.board = board;
    this.present = true;
    if (!this.lent) void this.monitor.start();
    this.env.changed(this);
  }

  detach(): void {
    this.present = false;
    void this.monitor.stop();
    this.env.changed(this);
  }

  // ---- ownership -------------------------------------------------------------------------

  beginTask(task: ActiveTask): void {
    this.task = task;
    this.history.setMark();
    this.env.changed(this);
  }

  endTask(): void {
    this.task = undefined;
    this.env.changed(this);
  }

  setFlash(id: string | undefined): void {
    this.flash = id;
    this.env.changed(this);
  }

  /** Takes or extends the manual lock; refused while a task owns the board. */
  takeLock(by: string, seconds: number): void {
    if (this.task) throw new ConflictError(`board ${this.id} is running task ${this.task.id}; wait for it to finish`);
    if (!this.present) throw new UnavailableError(`board ${this.id} is not connected`);
    this.lock = { by, until: Date.now() + seconds * 1000 };
    clearTimeout(this.lockTimer);
    this.lockTimer = setTimeout(() => this.expireLock(), seconds * 1000);
    this.lockTimer.unref();
    this.env.changed(this);
  }

  releaseLock(): void {
    if (!this.lock) return;
    if (this.flash) throw new ConflictError(`board ${this.id} is being flashed; cancel the flash first`);
    clearTimeout(this.lockTimer);
    this.lock = undefined;
    this.env.changed(this);
  }

  private expireLock(): void {
    // A flash outlives any lock length: keep the board until it is done.
    if (this.flash) {
      this.lockTimer = setTimeout(() => this.expireLock(), 5000);
      this.lockTimer.unref();
      return;
    }
    this.lock = undefined;
    this.note(`manual lock expired`);
    this.env.changed(this);
  }

  // ---- the port ----------------------------------------------------------------------------

  /**
   * Lends the port to `fn` (a flash): the monitor lets go of it, and takes it back afterwards.
   * Operations queue up: one at a time per board.
   */
  exclusive<T>(fn: (endpoint: SerialEndpoint) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const endpoint = this.env.endpoint(this.id);
      if (!this.present || !endpoint) throw new UnavailableError(`board ${this.id} is not connected`);
      this.lent = true;
      await this.monitor.stop();
      try {
        return await fn(endpoint);
      } finally {
        this.lent = false;
        if (this.present && !this.disposed) await withTimeout(this.monitor.start(), 5000);
      }
    };
    const p = this.portQueue.then(run, run);
    this.portQueue = p.catch(() => {});
    return p;
  }

  /** Resets the board into its application (RTS pulse, DTR released); its boot output follows. */
  async resetIntoApp(): Promise<void> {
    if (this.monitor.state !== 'open') throw new UnavailableError(`the serial port of ${this.id} is not open (${this.monitor.state})`);
    this.history.setMark();
    this.note('reset');
    try {
      await this.monitor.setLines({ dtr: false, rts: true });
      await new Promise((r) => setTimeout(r, 100));
      await this.monitor.setLines({ dtr: false, rts: false });
    } catch (err) {
      if (err instanceof LineControlUnsupportedError) throw new UnavailableError(`${this.board.port} cannot drive RTS (a pty?): reset the board by hand`);
      throw err;
    }
  }

  async write(data: string): Promise<void> {
    if (this.monitor.state !== 'open') throw new UnavailableError(`the serial port of ${this.id} is not open (${this.monitor.state})`);
    await this.monitor.write(data);
    for (const l of data.split(/\r?\n/).filter(Boolean)) this.queueLine(this.history.push('tx', l));
  }

  async setBaud(baud: number): Promise<void> {
    this.baudValue = baud;
    await this.monitor.setBaud(baud);
    this.note(`baud ${baud}`);
    this.env.changed(this);
  }

  /** A line of the bench's own (flash, reset) in the serial view and the task's log. */
  note(text: string): void {
    this.queueLine(this.history.push('info', text));
    this.task?.log(`[bench] ${this.id}: ${text}\n`);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.lockTimer);
    clearTimeout(this.flushTimer);
    await this.monitor.stop();
  }

  private onLine(line: MonitorLine): void {
    const entry = this.history.push('rx', line.text, line.time, !!line.partial);
    this.queueLine(entry);
    // Marked as serial in the task's log, so it reads apart from the script's own output.
    this.task?.log(`[serial] ${line.text}\n`);
  }

  private queueLine(line: SerialLine): void {
    this.pendingLines.push(line);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const lines = this.pendingLines;
      this.pendingLines = [];
      if (lines.length) this.env.emit({ type: 'serial', board: this.id, lines });
    }, SERIAL_BATCH_MS);
  }

  toInfo(): BenchBoard {
    const b = this.board;
    return {
      id: b.id,
      type: b.type,
      port: b.port,
      mac: b.mac,
      chip: b.chip,
      flashSize: b.flashSize,
      topic: this.topic,
      state: this.state,
      health: this.health.status,
      consecutiveFailures: this.health.consecutiveFailures,
      healthDetail: this.health.detail,
      lastFailure: this.health.lastFailure,
      currentTask: this.task?.id,
      currentJob: this.task?.job,
      virtual: b.virtual,
      lock: this.lock ? { by: this.lock.by, until: new Date(this.lock.until).toISOString() } : undefined,
      flash: this.flash,
      serial: { state: this.monitor.state, baud: this.baudValue },
      probeError: b.probe && !b.probe.ok ? b.probe.error : undefined,
      usb: b.usb ? [b.usb.manufacturer, b.usb.vendorId && `${b.usb.vendorId}:${b.usb.productId}`, b.usb.serialNumber].filter(Boolean).join(' ') : undefined,
    };
  }
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    void p.finally(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
