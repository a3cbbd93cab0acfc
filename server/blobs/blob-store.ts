// The "blobs" storage seam (DESIGN.md §8): what the master needs from wherever blob bytes
// live. The embedded default is FsBlobStore (files in the data directory, metadata in
// SQLite); an object-storage store would implement the same interface.
import type { Readable } from 'node:stream';

export interface BlobRecord {
  job: string;
  name: string;
  size: number;
  /** Lower-case hex SHA-256 of the content. */
  sha256: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

export interface BlobPutOptions {
  /** Declared length (Content-Length); a body that ends short or runs long is refused. */
  declaredSize?: number;
  /** Lower-case hex SHA-256 the caller expects; a mismatch stores nothing (400). */
  expectedSha256?: string;
  /** Called with the running total before each chunk is kept; throws or rejects to refuse
   * the upload (size limits, store quota). Nothing is left behind when it does. */
  admit(total: number): void | Promise<void>;
}

export interface BlobPutResult {
  record: BlobRecord;
  /** The blob this one replaced under the same name, if any. */
  replaced?: BlobRecord;
}

/** An opened blob: reads see this version even if the name is replaced or deleted meanwhile. */
export interface BlobReader {
  record: BlobRecord;
  /** Streams bytes `start..end` (inclusive; default the whole blob) and releases the reader
   * when the stream ends or is destroyed. Call once, or call `close` instead. */
  stream(range?: { start: number; end: number }): Readable;
  close(): Promise<void>;
}

export interface BlobJobUsage {
  job: string;
  bytes: number;
  blobs: number;
}

export interface BlobStore {
  /** Streams `body` into a new version of `job/name`; it becomes visible (replacing any older
   * version) atomically, only once complete, verified and durable. */
  put(job: string, name: string, body: AsyncIterable<Buffer>, opts: BlobPutOptions): Promise<BlobPutResult>;
  stat(job: string, name: string): Promise<BlobRecord | undefined>;
  open(job: string, name: string): Promise<BlobReader | undefined>;
  /** Deletes one blob; resolves with what was deleted. */
  delete(job: string, name: string): Promise<BlobRecord | undefined>;
  /** A job's blobs, sorted by name. */
  list(job: string): Promise<BlobRecord[]>;
  /** Every job that has blobs, with its usage. */
  jobs(): Promise<BlobJobUsage[]>;
  /** Bytes held by all stored blobs (not counting uploads in flight). */
  usedBytes(): number;
  close(): void;
}
