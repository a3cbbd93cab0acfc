// SQLite implementation of the GitHub store. Only this file knows the github_* tables.
import type { Statement } from 'better-sqlite3';
import type { SqliteDb } from '../db/sqlite-db';
import type { DeliveryRow, GitHubStore, OutboxRow, StatusUpdate } from './github-store';

const MIGRATIONS = [
  `CREATE TABLE github_deliveries (
     id TEXT PRIMARY KEY, event TEXT NOT NULL, received_at INTEGER NOT NULL, processed_at INTEGER, payload TEXT);
   CREATE INDEX github_deliveries_unprocessed ON github_deliveries(received_at) WHERE processed_at IS NULL;
   CREATE TABLE github_outbox (
     repo TEXT NOT NULL, sha TEXT NOT NULL, context TEXT NOT NULL, state TEXT NOT NULL, description TEXT NOT NULL,
     target_url TEXT NOT NULL, job INTEGER NOT NULL, version INTEGER NOT NULL, attempts INTEGER NOT NULL,
     next_at INTEGER NOT NULL, last_error TEXT,
     PRIMARY KEY (repo, sha, context)) WITHOUT ROWID;`,
];

type Raw = Record<string, unknown>;

function outboxFrom(r: Raw): OutboxRow {
  return {
    repo: r.repo as string,
    sha: r.sha as string,
    context: r.context as string,
    state: r.state as OutboxRow['state'],
    description: r.description as string,
    targetUrl: r.target_url as string,
    job: r.job as number,
    version: r.version as number,
    attempts: r.attempts as number,
    nextAt: r.next_at as number,
    lastError: (r.last_error as string | null) ?? null,
  };
}

function deliveryFrom(r: Raw): DeliveryRow {
  return {
    id: r.id as string,
    event: r.event as string,
    receivedAt: r.received_at as number,
    processedAt: (r.processed_at as number | null) ?? null,
    payload: r.payload === null ? null : (JSON.parse(r.payload as string) as DeliveryRow['payload']),
  };
}

export class SqliteGitHubStore implements GitHubStore {
  private readonly s: Record<string, Statement>;

  constructor(private readonly sql: SqliteDb) {
    sql.migrate('github', MIGRATIONS);
    const db = sql.db;
    this.s = {
      hasDelivery: db.prepare('SELECT 1 FROM github_deliveries WHERE id = ?'),
      addDelivery: db.prepare('INSERT OR IGNORE INTO github_deliveries VALUES (@id, @event, @received_at, @processed_at, @payload)'),
      markProcessed: db.prepare('UPDATE github_deliveries SET processed_at = ?, payload = NULL WHERE id = ?'),
      unprocessed: db.prepare('SELECT * FROM github_deliveries WHERE processed_at IS NULL ORDER BY received_at, rowid'),
      prune: db.prepare('DELETE FROM github_deliveries WHERE processed_at IS NOT NULL AND received_at < ?'),
      putStatus: db.prepare(
        `INSERT INTO github_outbox VALUES (@repo, @sha, @context, @state, @description, @target_url, @job, 1, 0, @at, NULL)
         ON CONFLICT (repo, sha, context) DO UPDATE SET state = excluded.state, description = excluded.description,
           target_url = excluded.target_url, job = excluded.job, version = github_outbox.version + 1,
           next_at = MAX(github_outbox.next_at, excluded.next_at)`,
      ),
      due: db.prepare(
        "SELECT * FROM github_outbox WHERE next_at <= ? ORDER BY state = 'pending', next_at LIMIT ?",
      ),
      nextAt: db.prepare('SELECT MIN(next_at) AS t FROM github_outbox'),
      ack: db.prepare('DELETE FROM github_outbox WHERE repo = ? AND sha = ? AND context = ? AND version = ?'),
      retry: db.prepare(
        'UPDATE github_outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE repo = ? AND sha = ? AND context = ?',
      ),
      size: db.prepare('SELECT COUNT(*) AS n FROM github_outbox'),
    };
  }

  hasDelivery(id: string): boolean {
    this.sql.flushNow();
    return this.s.hasDelivery!.get(id) !== undefined;
  }

  addDelivery(row: DeliveryRow): void {
    const p = {
      id: row.id,
      event: row.event,
      received_at: row.receivedAt,
      processed_at: row.processedAt,
      payload: row.payload === null ? null : JSON.stringify(row.payload),
    };
    this.sql.enqueue(() => this.s.addDelivery!.run(p));
  }

  markProcessed(id: string, at: number): void {
    this.sql.enqueue(() => this.s.markProcessed!.run(at, id));
  }

  unprocessedDeliveries(): DeliveryRow[] {
    this.sql.flushNow();
    return (this.s.unprocessed!.all() as Raw[]).map(deliveryFrom);
  }

  pruneDeliveries(before: number): void {
    this.sql.enqueue(() => this.s.prune!.run(before));
  }

  putStatus(u: StatusUpdate, at: number): void {
    const p = {
      repo: u.repo,
      sha: u.sha,
      context: u.context,
      state: u.state,
      description: u.description,
      target_url: u.targetUrl,
      job: u.job,
      at,
    };
    this.sql.enqueue(() => this.s.putStatus!.run(p));
  }

  dueStatuses(now: number, limit: number): OutboxRow[] {
    this.sql.flushNow();
    return (this.s.due!.all(now, limit) as Raw[]).map(outboxFrom);
  }

  nextStatusAt(): number | undefined {
    this.sql.flushNow();
    return ((this.s.nextAt!.get() as { t: number | null }).t ?? undefined) as number | undefined;
  }

  ackStatus(r: OutboxRow): void {
    this.sql.enqueue(() => this.s.ack!.run(r.repo, r.sha, r.context, r.version));
  }

  retryStatus(r: OutboxRow, nextAt: number, error: string): void {
    this.sql.enqueue(() => this.s.retry!.run(nextAt, error.slice(0, 500), r.repo, r.sha, r.context));
  }

  outboxSize(): number {
    this.sql.flushNow();
    return (this.s.size!.get() as { n: number }).n;
  }
}
