// The embedded blob store: bytes in `<data>/blobs/<job>/<object>`, metadata in SQLite.
// An upload streams into `<data>/blobs/.tmp/` while being hashed and counted, is renamed into
// its job's directory once complete and verified, and becomes visible when its index row
// commits; the version it replaced is unlinked after that. Nothing is ever buffered whole.
//
// fsync policy (as docs/pubsub.md): 'normal' survives the master being killed at any instant
// (a blob is visible only after its file is complete and renamed); 'always' also fsyncs the
// file and its directory before the index row commits, so a power cut cannot leave a row
// pointing at bytes that never reached the disk.
import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { mkdir, open, rename, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BadRequestError, OurciError } from '../../src/shared/errors';
import type { SqliteDb } from '../db/sqlite-db';
import { BlobIndex, type IndexedBlob } from './blob-index';
import type { BlobPutOptions, BlobPutResult, BlobReader, BlobRecord, BlobStore } from './blob-store';

export interface FsBlobStoreOptions {
  /** Directory for the bytes, usually `<data>/blobs`. */
  dir: string;
  db: SqliteDb;
  fsync: 'normal' | 'always';
}

const TMP = '.tmp';

const publicRecord = ({ object: _object, ...r }: IndexedBlob): BlobRecord => r;

export class FsBlobStore implements BlobStore {
  private readonly index: BlobIndex;
  private readonly dir: string;
  private readonly fsyncAlways: boolean;

  constructor(opts: FsBlobStoreOptions) {
    this.dir = opts.dir;
    this.fsyncAlways = opts.fsync === 'always';
    this.index = new BlobIndex(opts.db);
    mkdirSync(join(this.dir, TMP), { recursive: true, mode: 0o700 });
    this.reconcile();
  }

  async put(job: string, name: string, body: AsyncIterable<Buffer>, opts: BlobPutOptions): Promise<BlobPutResult> {
    const object = `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
    const tmp = join(this.dir, TMP, `${object}.part`);
    const final = join(this.dir, job, object);
    let placed = false;
    try {
      const { size, sha256 } = await this.receive(tmp, body, opts);
      await this.place(tmp, job, final);
      placed = true;
      const record: IndexedBlob = { job, name, object, size, sha256, createdAt: Date.now() };
      const replaced = await this.index.put(record);
      if (replaced) await this.unlinkObject(replaced);
      return { record: publicRecord(record), replaced: replaced && publicRecord(replaced) };
    } catch (err) {
      await unlink(placed ? final : tmp).catch(() => undefined);
      throw err;
    }
  }

  async stat(job: string, name: string): Promise<BlobRecord | undefined> {
    const b = this.index.get(job, name);
    return b && publicRecord(b);
  }

  async open(job: string, name: string): Promise<BlobReader | undefined> {
    // The row may be replaced between reading it and opening its file (whose old version is
    // then unlinked): read the row again and retry, a bounded number of times.
    for (let i = 0; i < 5; i++) {
      const b = this.index.get(job, name);
      if (!b) return undefined;
      let fh: FileHandle;
      try {
        fh = await open(join(this.dir, job, b.object), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        if (this.index.get(job, name)?.object !== b.object) continue;
        throw new OurciError(500, `blob ${job}/${name} is missing on disk`);
      }
      const { size } = await fh.stat();
      if (size !== b.size) {
        await fh.close();
        throw new OurciError(500, `blob ${job}/${name} is damaged on disk (${size} bytes, expected ${b.size})`);
      }
      return reader(publicRecord(b), fh);
    }
    throw new OurciError(503, `blob ${job}/${name} is being replaced too often to read; try again`);
  }

  async delete(job: string, name: string): Promise<BlobRecord | undefined> {
    const removed = await this.index.remove(job, name);
    if (!removed) return undefined;
    await this.unlinkObject(removed);
    return publicRecord(removed);
  }

  async list(job: string): Promise<BlobRecord[]> {
    return this.index.list(job).map(publicRecord);
  }

  async jobs(): Promise<Array<{ job: string; bytes: number; blobs: number }>> {
    return this.index.jobs();
  }

  usedBytes(): number {
    return this.index.usedBytes();
  }

  close(): void {
    // Files need no closing; the database is closed by its owner.
  }

  /** Streams the body into `tmp`, hashing and counting; verifies length and checksum. */
  private async receive(tmp: string, body: AsyncIterable<Buffer>, opts: BlobPutOptions): Promise<{ size: number; sha256: string }> {
    const hash = createHash('sha256');
    let size = 0;
    // Opened before streaming, so the file exists by the time a failure unlinks it.
    const fh = await open(tmp, 'wx', 0o600);
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (opts.declaredSize !== undefined && size > opts.declaredSize) {
            throw new BadRequestError(`body is longer than its Content-Length of ${opts.declaredSize} bytes`);
          }
          await opts.admit(size);
          hash.update(chunk);
          yield chunk;
        }
      },
      fh.createWriteStream({ flush: this.fsyncAlways }),
    );
    if (opts.declaredSize !== undefined && size !== opts.declaredSize) {
      throw new BadRequestError(`body ended after ${size} of ${opts.declaredSize} bytes`);
    }
    const sha256 = hash.digest('hex');
    if (opts.expectedSha256 !== undefined && opts.expectedSha256 !== sha256) {
      throw new BadRequestError(`SHA-256 mismatch: X-Content-SHA256 says ${opts.expectedSha256}, the body is ${sha256}`);
    }
    return { size, sha256 };
  }

  /** Moves a complete upload into its job's directory (re-creating the directory if a
   * concurrent delete of the job's last blob just removed it). */
  private async place(tmp: string, job: string, final: string): Promise<void> {
    const jobDir = join(this.dir, job);
    for (let i = 0; ; i++) {
      try {
        await rename(tmp, final);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || i >= 3) throw err;
        await mkdir(jobDir, { recursive: true, mode: 0o700 });
      }
    }
    if (this.fsyncAlways) {
      const d = await open(jobDir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    }
  }

  private async unlinkObject(b: IndexedBlob): Promise<void> {
    await unlink(join(this.dir, b.job, b.object)).catch(() => undefined);
    if (!this.index.hasJob(b.job)) await rmdir(join(this.dir, b.job)).catch(() => undefined);
  }

  /** At start-up, before any upload: drops unfinished uploads, files no row points at (left
   * by a crash between a rename and its commit, or between a commit and an unlink), and rows
   * whose file is gone (removed by hand), so the index and the disk agree. */
  private reconcile(): void {
    rmSync(join(this.dir, TMP), { recursive: true, force: true });
    mkdirSync(join(this.dir, TMP), { mode: 0o700 });
    const known = this.index.objects();
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === TMP) continue;
      const jobDir = join(this.dir, entry.name);
      const rows = known.get(entry.name);
      known.delete(entry.name);
      let kept = 0;
      for (const f of readdirSync(jobDir)) {
        if (rows?.delete(f)) kept++;
        else rmSync(join(jobDir, f), { recursive: true, force: true });
      }
      if (rows?.size) known.set(entry.name, rows);
      if (kept === 0) rmdirSync(jobDir);
    }
    for (const [job, rows] of known) for (const name of rows.values()) void this.index.remove(job, name);
  }
}

function reader(record: BlobRecord, fh: FileHandle): BlobReader {
  let taken = false;
  return {
    record,
    stream(range) {
      if (taken) throw new Error('blob reader already used');
      taken = true;
      return fh.createReadStream({ start: range?.start ?? 0, end: range?.end ?? Math.max(0, record.size - 1), autoClose: true });
    },
    async close() {
      if (taken) return;
      taken = true;
      await fh.close();
    },
  };
}
