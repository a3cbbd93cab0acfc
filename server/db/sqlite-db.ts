// One SQLite file (better-sqlite3, WAL) shared by the stores, with group commit: writes
// queued during one event-loop turn go to disk in one transaction, and no RPC reply leaves
// before the turn's transaction has committed. That is what makes "confirmed to a caller"
// mean "on disk" without paying one commit per call.
//
// fsync policy: `synchronous=NORMAL` (default). In WAL mode a committed transaction is in the
// WAL file before commit returns, so it survives the master being killed at any instant; only
// an OS crash or power cut can lose the last commits. `fsync: 'always'` selects FULL (an fsync
// per group commit) for hosts where that matters more than throughput.
//
// Checkpoints (copying the WAL back into the database file, with its fsyncs) run on a worker
// thread (wal-checkpointer.ts) so they never stall the event loop.
import Database from 'better-sqlite3';
import { WalCheckpointer, type CheckpointTuning } from './wal-checkpointer';

export interface SqliteDbOptions {
  fsync?: 'normal' | 'always';
  /** Called when a group commit fails: the in-memory state is then ahead of disk, so the
   * safe reaction is to stop and restart from disk. Defaults to exiting the process. */
  onFatal?: (err: unknown) => void;
  /** Checkpoint on a worker thread (default) or, with false, inside commits as SQLite does. */
  backgroundCheckpoints?: boolean;
  checkpointTuning?: CheckpointTuning;
}

const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
const DEFAULT_RESTART_FRAMES = 4096;

export class SqliteDb {
  readonly db: Database.Database;
  private pending: Array<() => void> = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private closed = false;
  private readonly onFatal: (err: unknown) => void;
  private readonly checkpointer: WalCheckpointer | null = null;
  /** Built once: better-sqlite3's transaction() wraps BEGIN/COMMIT/ROLLBACK around a function. */
  private readonly runOps: (ops: Array<() => void>) => void;
  /** Number of group commits so far (for benchmarks and metrics). */
  commits = 0;

  constructor(file: string, opts: SqliteDbOptions = {}) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.fsync === 'always' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = OFF');
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
    this.runOps = this.db.transaction((ops: Array<() => void>) => {
      for (const op of ops) op();
    });
    if (opts.backgroundCheckpoints !== false && file !== ':memory:') {
      // SQLite's own inline checkpoint stays as a backstop for a WAL the worker cannot keep up with.
      this.db.pragma(`wal_autocheckpoint = ${4 * (opts.checkpointTuning?.restartFrames ?? DEFAULT_RESTART_FRAMES)}`);
      this.checkpointer = new WalCheckpointer({
        restartFrames: DEFAULT_RESTART_FRAMES,
        ...opts.checkpointTuning,
        file,
        synchronous: opts.fsync === 'always' ? 'FULL' : 'NORMAL',
        onFailure: (err) => {
          // Correctness never depended on the worker: fall back to SQLite's own checkpoints.
          process.stderr.write(`ourci: background checkpoints stopped (${String(err)}); checkpointing inline\n`);
          if (!this.closed) this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
        },
      });
    }
    this.onFatal =
      opts.onFatal ??
      ((err) => {
        process.stderr.write(`ourci: fatal: cannot write to the database: ${String(err)}\n`);
        process.exit(70);
      });
  }

  /** Applies a component's migrations in order; `steps[i]` brings it to version i + 1. */
  migrate(component: string, steps: readonly string[]): void {
    const row = this.db.prepare('SELECT version FROM schema_versions WHERE component = ?').get(component) as
      | { version: number }
      | undefined;
    const from = row?.version ?? 0;
    if (from > steps.length) {
      throw new Error(`database component ${component} is at version ${from}, newer than this build (${steps.length})`);
    }
    const apply = this.db.transaction(() => {
      for (let v = from; v < steps.length; v++) this.db.exec(steps[v]!);
      this.db
        .prepare('INSERT INTO schema_versions(component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version')
        .run(component, steps.length);
    });
    apply();
  }

  /** Queues a write for the current group commit. */
  enqueue(op: () => void): void {
    if (this.closed) return;
    this.pending.push(op);
    this.schedule();
  }

  /** Background checkpoints and WAL rewinds so far; undefined when SQLite checkpoints inline. */
  checkpointStats(): { checkpoints: number; rewinds: number } | undefined {
    return this.checkpointer ? { ...this.checkpointer.stats } : undefined;
  }

  /** Resolves when every write queued so far is committed. */
  commit(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Commits synchronously (shutdown, tests). */
  flushNow(): void {
    this.flush();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.checkpointer?.close();
    this.db.close();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    const ops = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    if (ops.length > 0) {
      try {
        this.runOps(ops);
        this.commits++;
      } catch (err) {
        for (const w of waiters) w.reject(err);
        this.onFatal(err);
        return;
      }
    }
    for (const w of waiters) w.resolve();
    if (ops.length > 0 && this.checkpointer) this.checkpoint(this.checkpointer);
  }

  /** After a commit: keep the WAL short. */
  private checkpoint(cp: WalCheckpointer): void {
    if (!(cp.restartDue && !cp.busy)) return cp.afterCommit(Date.now());
    cp.restartDue = false;
    // In a later turn, so the replies this commit released leave first.
    setImmediate(() => {
      if (this.closed) return;
      this.db.pragma('wal_checkpoint(PASSIVE)');
      cp.hold(Date.now());
    });
  }
}
