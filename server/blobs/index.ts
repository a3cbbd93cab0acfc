// The blob store: firmware and other artifacts that tasks hand to each other
// (`/blobs/<job>/<name>`, BLOB_URL). Bytes live behind the BlobStore seam (files in the data
// directory by default), limits and retention in BlobService; HTTP routes stream, RPC lists.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SqliteDb } from '../db/sqlite-db';
import { BlobService, type BlobConfig, type JobLookup } from './blob-service';
import { FsBlobStore } from './fs-blob-store';

export { BlobService, BLOB_DEFAULTS, type BlobConfig, type JobLookup, type SweepResult } from './blob-service';
export type { BlobStore, BlobRecord, BlobReader } from './blob-store';
export { FsBlobStore } from './fs-blob-store';
export { registerBlobRoutes } from './blob-routes';
export { registerBlobMethods } from './blob-handlers';
export { blobUrlFor } from './blob-url';

/** Until the jobs layer answers, no job counts as finished: nothing expires or is evicted. */
export const NO_JOBS: JobLookup = { finishedAt: () => undefined };

/** The embedded default: files under `<data>/blobs`, metadata in the master's SQLite file. */
export function createBlobService(opts: {
  dataDir: string;
  db: SqliteDb;
  fsync: 'normal' | 'always';
  config?: Partial<BlobConfig>;
  jobs?: JobLookup;
  log?: Logger;
}): BlobService {
  const store = new FsBlobStore({ dir: join(opts.dataDir, 'blobs'), db: opts.db, fsync: opts.fsync });
  const service = new BlobService({ store, jobs: opts.jobs ?? NO_JOBS, config: opts.config, log: opts.log });
  service.start();
  return service;
}
