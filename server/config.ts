// The master's typed configuration. Built in one place (src/cli/config.ts: flags >
// environment > file > defaults) and passed down; nothing here reads process.env.
import type { Logger } from 'pino';
import type { StaticTokens } from './auth/token-store';
import type { BlobConfig } from './blobs/blob-service';
import type { GitHubConfig } from './github/index';

export interface MasterConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  /** Anonymous callers get viewer access (trusted networks only). */
  publicRead: boolean;
  fsync: 'normal' | 'always';
  /** Tokens given explicitly; missing ones are read from / created in the data directory. */
  tokens: Partial<StaticTokens>;
  version: string;
  /** Public base URL for links (dashboard, BLOB_URL); defaults to the listening address. */
  publicUrl?: string;
  logger?: Logger;
  /** Bytes kept per attempt log (default 1 GiB); past it, head and tail are kept. */
  logCapBytes?: number;
  /** Tasks one job may have at most (default 1,000). */
  fanoutCap?: number;
  /** How long past a task's timeout the master waits for its agent before ending it (default 30 s). */
  timeoutGraceMs?: number;
  /** Blob size limits and retention (defaults in server/blobs/blob-service.ts). */
  blobs?: Partial<BlobConfig>;
  /** Called if the database cannot be written; defaults to exiting the process. */
  onFatal?: (err: unknown) => void;
  /** GitHub webhooks, commit statuses and reconcile (docs/github.md); off when absent. */
  github?: GitHubConfig;
}

export const MASTER_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './.ourci',
  publicRead: false,
  fsync: 'normal',
} as const;
