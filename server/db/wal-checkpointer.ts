// Moves SQLite's WAL checkpoints off the event loop. By default SQLite checkpoints inside the
// commit that pushes the WAL past 1000 pages: it copies those pages into the database file
// and fsyncs twice, stalling every RPC behind it for milliseconds (it was most of the p99 of
// publish → delivery, and a large share of the master's time under load). Here a worker
// thread with its own connection runs PASSIVE checkpoints, which never block the writer.
//
// A PASSIVE checkpoint cannot rewind the WAL while the writer keeps appending, so under
// sustained load the WAL would only grow. When the worker reports a WAL past `restartFrames`,
// the writer runs one PASSIVE checkpoint itself right after its next commit: the worker has
// already copied almost everything, so that one is short, and the next write starts the WAL
// over from its beginning. Durability is unchanged: commits still go to the WAL before they
// return, and checkpoints still fsync according to the `synchronous` setting.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointReport {
  /** Frames in the WAL, and how many of them are in the database file. */
  log: number;
  checkpointed: number;
}

// Runs in the worker. CommonJS (eval), so better-sqlite3 is passed as a resolved path: the
// master's working directory can be anywhere.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = ' + workerData.synchronous);
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    Atomics.store(workerData.closed, 0, 1);
    Atomics.notify(workerData.closed, 0);
    parentPort.close();
    return;
  }
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err) });
  }
});
`;

export interface CheckpointTuning {
  /** Least time between two background checkpoints (default 100 ms). */
  intervalMs?: number;
  /** WAL size (frames) past which the writer rewinds it with a short checkpoint of its own (default 4096). */
  restartFrames?: number;
  /** Intervals with commits before the worker starts (default 10: about a second of steady writes). */
  startAfterIntervals?: number;
}

export interface WalCheckpointerOptions extends CheckpointTuning {
  file: string;
  synchronous: 'NORMAL' | 'FULL';
  /** Called when the worker cannot work: the caller goes back to SQLite's own checkpoints. */
  onFailure: (err: unknown) => void;
}

export class WalCheckpointer {
  private worker: Worker | null = null;
  /** Intervals that saw commits before the worker started. */
  private activeIntervals = 0;
  private readonly intervalMs: number;
  private readonly restartFrames: number;
  private readonly startAfterIntervals: number;
  /** A background checkpoint is running. */
  busy = false;
  private lastAt = 0;
  private failed = false;
  /** Set to 1 by the worker once its connection is closed. */
  private readonly closed = new Int32Array(new SharedArrayBuffer(4));
  /** Set when the WAL should be rewound by the writer after its next commit. */
  restartDue = false;
  /** Background checkpoints done, and rewinds asked of the writer (for tests and metrics). */
  readonly stats = { checkpoints: 0, rewinds: 0 };

  constructor(private readonly opts: WalCheckpointerOptions) {
    this.intervalMs = opts.intervalMs ?? 100;
    this.restartFrames = opts.restartFrames ?? 4096;
    this.startAfterIntervals = opts.startAfterIntervals ?? 10;
  }

  /** The worker starts with real traffic only, so short-lived databases (tests, CLI) never pay for it. */
  private start(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.opts.file, driver, synchronous: this.opts.synchronous, closed: this.closed },
    });
    worker.unref();
    worker.on('message', (r: CheckpointReport | { error: string }) => {
      this.busy = false;
      if ('error' in r) return this.fail(new Error(r.error));
      this.stats.checkpoints++;
      if (r.log >= this.restartFrames) this.restartDue = true;
    });
    worker.on('error', (err) => this.fail(err));
    return worker;
  }

  /** Called after each group commit: asks for a background checkpoint at most once per interval. */
  afterCommit(now: number): void {
    if (this.busy || this.failed || now - this.lastAt < this.intervalMs) return;
    this.lastAt = now;
    if (!this.worker && ++this.activeIntervals < this.startAfterIntervals) return;
    this.worker ??= this.start();
    this.busy = true;
    this.worker.postMessage('checkpoint');
  }

  /** The writer just checkpointed: leave the WAL alone until its next write rewinds it. */
  hold(now: number): void {
    this.stats.rewinds++;
    this.lastAt = now;
  }

  /**
   * Closes the worker's connection and waits for it (a few ms at most, bounded), so the
   * writer's own close is the last one: SQLite then checkpoints and removes the WAL before
   * close returns, and nothing touches the data directory afterwards.
   */
  close(): void {
    if (this.failed) return;
    this.failed = true;
    if (!this.worker) return;
    this.worker.postMessage('close');
    Atomics.wait(this.closed, 0, 0, 5000);
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    void this.worker?.terminate();
    this.opts.onFailure(err);
  }
}
