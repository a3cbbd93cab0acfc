// The blob store as the master uses it: per-blob and total size limits, retention and
// eviction on top of a BlobStore. Uploads reserve quota as their bytes arrive, so concurrent
// uploads cannot overshoot the cap together; when the cap is reached, blobs of the jobs that
// finished longest ago make room, and if that is not enough the upload is refused (413).
import type { Logger } from 'pino';
import { PayloadTooLargeError } from '../../src/shared/errors';
import { formatBytes } from '../../src/shared/blobs/size';
import { blobPath } from '../../src/shared/blobs/names';
import type { BlobPutResult, BlobReader, BlobRecord, BlobStore } from './blob-store';

/** What the blob store needs to know about jobs (the jobs layer provides it). */
export interface JobLookup {
  /** When the job finished (ms since the epoch); undefined while it runs or if unknown.
   * Blobs of jobs never reported finished are neither expired nor evicted. */
  finishedAt(job: string): number | undefined;
}

export interface BlobConfig {
  /** Largest single blob (default 4 GiB). */
  maxBlobBytes: number;
  /** All blobs together (default 50 GiB); past it, blobs of the oldest finished jobs go. */
  maxTotalBytes: number;
  /** Blobs of jobs finished longer ago than this are deleted (default 14). */
  retentionDays: number;
  /** How often retention runs (default 15 minutes). */
  sweepIntervalMs: number;
}

export const BLOB_DEFAULTS: BlobConfig = {
  maxBlobBytes: 4 * 1024 ** 3,
  maxTotalBytes: 50 * 1024 ** 3,
  retentionDays: 14,
  sweepIntervalMs: 15 * 60_000,
};

export interface BlobServiceOptions {
  store: BlobStore;
  jobs: JobLookup;
  config?: Partial<BlobConfig>;
  log?: Logger;
}

export interface SweepResult {
  deletedBlobs: number;
  freedBytes: number;
}

interface Upload {
  reserved: number;
}

const DAY_MS = 86_400_000;

export class BlobService {
  readonly config: BlobConfig;
  readonly store: BlobStore;
  private jobs: JobLookup;
  private readonly log?: Logger;
  private reserved = 0;
  private publicUrl = '';
  private timer?: NodeJS.Timeout;
  /** Serializes eviction and sweeps, so two of them never pick the same victims. */
  private exclusive: Promise<unknown> = Promise.resolve();

  constructor(opts: BlobServiceOptions) {
    this.config = { ...BLOB_DEFAULTS, ...opts.config };
    this.store = opts.store;
    this.jobs = opts.jobs;
    this.log = opts.log;
  }

  /** Replaces the job lookup (the jobs layer, or tests). */
  setJobLookup(jobs: JobLookup): void {
    this.jobs = jobs;
  }

  /** The master's public base URL, for the `url` of listed blobs. */
  setPublicUrl(url: string): void {
    this.publicUrl = url.replace(/\/$/, '');
  }

  urlOf(job: string, name: string): string {
    return `${this.publicUrl}${blobPath(job, name)}`;
  }

  /** Runs retention every `sweepIntervalMs` without keeping the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.log?.error({ err }, 'blob retention sweep failed'));
    }, this.config.sweepIntervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.store.close();
  }

  async put(
    job: string,
    name: string,
    body: AsyncIterable<Buffer>,
    opts: { declaredSize?: number; expectedSha256?: string } = {},
  ): Promise<BlobPutResult> {
    const max = this.config.maxBlobBytes;
    if (opts.declaredSize !== undefined && opts.declaredSize > max) throw tooBig(opts.declaredSize, max);
    const upload: Upload = { reserved: 0 };
    try {
      // A declared length is reserved up front, so a blob that cannot fit is refused before
      // a byte of it is read.
      if (opts.declaredSize !== undefined) await this.reserve(upload, opts.declaredSize);
      return await this.store.put(job, name, body, {
        declaredSize: opts.declaredSize,
        expectedSha256: opts.expectedSha256,
        admit: (total) => {
          if (total > max) throw tooBig(total, max, true);
          if (total > upload.reserved) return this.reserve(upload, total);
        },
      });
    } finally {
      this.reserved -= upload.reserved;
    }
  }

  stat(job: string, name: string): Promise<BlobRecord | undefined> {
    return this.store.stat(job, name);
  }

  open(job: string, name: string): Promise<BlobReader | undefined> {
    return this.store.open(job, name);
  }

  delete(job: string, name: string): Promise<BlobRecord | undefined> {
    return this.store.delete(job, name);
  }

  list(job: string): Promise<BlobRecord[]> {
    return this.store.list(job);
  }

  /** Deletes blobs of jobs finished more than `retentionDays` ago, then evicts down to the
   * total cap (which may have been lowered since the last start). */
  sweep(now = Date.now()): Promise<SweepResult> {
    return this.serialized(async () => {
      const cutoff = now - this.config.retentionDays * DAY_MS;
      const victims: BlobRecord[] = [];
      for (const { job } of await this.store.jobs()) {
        const finished = this.jobs.finishedAt(job);
        if (finished !== undefined && finished < cutoff) victims.push(...(await this.store.list(job)));
      }
      const expired = await this.deleteAll(victims, 'retention');
      const evicted = await this.evict(0);
      return { deletedBlobs: expired.deletedBlobs + evicted.deletedBlobs, freedBytes: expired.freedBytes + evicted.freedBytes };
    });
  }

  /** Bytes in use, including uploads in flight. */
  usage(): { storedBytes: number; reservedBytes: number; maxTotalBytes: number } {
    return { storedBytes: this.store.usedBytes(), reservedBytes: this.reserved, maxTotalBytes: this.config.maxTotalBytes };
  }

  private fits(delta: number): boolean {
    return this.store.usedBytes() + this.reserved + delta <= this.config.maxTotalBytes;
  }

  private reserve(upload: Upload, total: number): void | Promise<void> {
    const delta = total - upload.reserved;
    if (delta <= 0) return;
    if (this.fits(delta)) {
      upload.reserved += delta;
      this.reserved += delta;
      return;
    }
    return this.serialized(async () => {
      const d = total - upload.reserved;
      if (!this.fits(d)) await this.evict(d);
      if (!this.fits(d)) {
        const { storedBytes, reservedBytes, maxTotalBytes } = this.usage();
        throw new PayloadTooLargeError(
          `blob store is full: ${formatBytes(storedBytes)} stored and ${formatBytes(reservedBytes)} being uploaded ` +
            `of a ${formatBytes(maxTotalBytes)} cap, and only blobs of finished jobs can be evicted`,
        );
      }
      upload.reserved += d;
      this.reserved += d;
    });
  }

  /** Deletes blobs of finished jobs, oldest finished first (their oldest blobs first), until
   * `needed` more bytes fit under the cap. Callers hold the exclusive section. */
  private async evict(needed: number): Promise<SweepResult> {
    let deficit = this.store.usedBytes() + this.reserved + needed - this.config.maxTotalBytes;
    if (deficit <= 0) return { deletedBlobs: 0, freedBytes: 0 };
    const finished: Array<{ job: string; at: number }> = [];
    for (const { job } of await this.store.jobs()) {
      const at = this.jobs.finishedAt(job);
      if (at !== undefined) finished.push({ job, at });
    }
    finished.sort((a, b) => a.at - b.at || (a.job < b.job ? -1 : 1));
    const victims: BlobRecord[] = [];
    for (const { job } of finished) {
      const blobs = (await this.store.list(job)).sort((a, b) => a.createdAt - b.createdAt);
      for (const b of blobs) {
        if (deficit <= 0) break;
        victims.push(b);
        deficit -= b.size;
      }
      if (deficit <= 0) break;
    }
    return this.deleteAll(victims, 'size cap');
  }

  private async deleteAll(victims: BlobRecord[], why: string): Promise<SweepResult> {
    if (victims.length === 0) return { deletedBlobs: 0, freedBytes: 0 };
    // Started together, so their index rows go in one group commit.
    const gone = (await Promise.all(victims.map((b) => this.store.delete(b.job, b.name)))).filter((b) => b !== undefined);
    const freedBytes = gone.reduce((n, b) => n + b.size, 0);
    this.log?.info({ blobs: gone.length, bytes: freedBytes, jobs: [...new Set(gone.map((b) => b.job))].slice(0, 20) }, `deleted blobs (${why})`);
    return { deletedBlobs: gone.length, freedBytes };
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(fn, fn);
    this.exclusive = run.catch(() => undefined);
    return run;
  }
}

function tooBig(size: number, max: number, streaming = false): PayloadTooLargeError {
  return new PayloadTooLargeError(
    streaming
      ? `blob exceeds the ${formatBytes(max)} limit per blob`
      : `blob of ${formatBytes(size)} exceeds the ${formatBytes(max)} limit per blob`,
  );
}
