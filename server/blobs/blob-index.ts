// Blob metadata in the master's SQLite file (migration component 'blobs'; only this file
// touches its tables). Each row points at the object file holding that version's bytes, so
// replacing a blob is one row update: readers see the old version or the new, never a mix.
import type { Statement } from 'better-sqlite3';
import type { SqliteDb } from '../db/sqlite-db';
import type { BlobJobUsage, BlobRecord } from './blob-store';

const MIGRATIONS = [
  `CREATE TABLE blobs (
     job TEXT NOT NULL,
     name TEXT NOT NULL,
     object TEXT NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (job, name)
   ) WITHOUT ROWID`,
];

export interface IndexedBlob extends BlobRecord {
  /** File name of this version's bytes inside the job's directory. */
  object: string;
}

interface Row {
  job: string;
  name: string;
  object: string;
  size: number;
  sha256: string;
  created_at: number;
}

const toBlob = (r: Row): IndexedBlob => ({
  job: r.job,
  name: r.name,
  object: r.object,
  size: r.size,
  sha256: r.sha256,
  createdAt: r.created_at,
});

export class BlobIndex {
  private readonly sql: {
    get: Statement<[string, string], Row>;
    list: Statement<[string], Row>;
    any: Statement<[string], { one: number }>;
    jobs: Statement<[], { job: string; bytes: number; blobs: number }>;
    objects: Statement<[], { job: string; name: string; object: string }>;
    upsert: Statement<[string, string, string, number, string, number]>;
    remove: Statement<[string, string]>;
  };
  private used: number;

  constructor(private readonly db: SqliteDb) {
    db.migrate('blobs', MIGRATIONS);
    const d = db.db;
    this.sql = {
      get: d.prepare('SELECT * FROM blobs WHERE job = ? AND name = ?'),
      list: d.prepare('SELECT * FROM blobs WHERE job = ? ORDER BY name'),
      any: d.prepare('SELECT 1 AS one FROM blobs WHERE job = ? LIMIT 1'),
      jobs: d.prepare('SELECT job, SUM(size) AS bytes, COUNT(*) AS blobs FROM blobs GROUP BY job'),
      objects: d.prepare('SELECT job, name, object FROM blobs'),
      upsert: d.prepare(
        `INSERT INTO blobs(job, name, object, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(job, name) DO UPDATE SET object = excluded.object, size = excluded.size,
           sha256 = excluded.sha256, created_at = excluded.created_at`,
      ),
      remove: d.prepare('DELETE FROM blobs WHERE job = ? AND name = ?'),
    };
    this.used = (d.prepare('SELECT COALESCE(SUM(size), 0) AS n FROM blobs').get() as { n: number }).n;
  }

  get(job: string, name: string): IndexedBlob | undefined {
    const r = this.sql.get.get(job, name);
    return r && toBlob(r);
  }

  list(job: string): IndexedBlob[] {
    return this.sql.list.all(job).map(toBlob);
  }

  hasJob(job: string): boolean {
    return this.sql.any.get(job) !== undefined;
  }

  jobs(): BlobJobUsage[] {
    return this.sql.jobs.all();
  }

  /** Every object file the index refers to, by job and file name (for the start-up
   * reconciliation of rows and files). */
  objects(): Map<string, Map<string, string>> {
    const out = new Map<string, Map<string, string>>();
    for (const { job, name, object } of this.sql.objects.iterate()) {
      let files = out.get(job);
      if (!files) out.set(job, (files = new Map()));
      files.set(object, name);
    }
    return out;
  }

  usedBytes(): number {
    return this.used;
  }

  /** Points `job/name` at a new version; resolves once that is on disk, with the version it
   * replaced (read inside the same transaction, so concurrent writers each learn theirs). */
  async put(b: IndexedBlob): Promise<IndexedBlob | undefined> {
    let replaced: IndexedBlob | undefined;
    this.db.enqueue(() => {
      replaced = this.get(b.job, b.name);
      this.sql.upsert.run(b.job, b.name, b.object, b.size, b.sha256, b.createdAt);
      this.used += b.size - (replaced?.size ?? 0);
    });
    await this.db.commit();
    return replaced;
  }

  /** Removes `job/name`; resolves once that is on disk, with what was removed. */
  async remove(job: string, name: string): Promise<IndexedBlob | undefined> {
    let removed: IndexedBlob | undefined;
    this.db.enqueue(() => {
      removed = this.get(job, name);
      if (!removed) return;
      this.sql.remove.run(job, name);
      this.used -= removed.size;
    });
    await this.db.commit();
    return removed;
  }
}
