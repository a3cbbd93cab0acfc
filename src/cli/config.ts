// The one place configuration is built: flags > environment > config file > defaults.
// Everything downstream receives typed values; no other module reads process.env.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { BadRequestError } from '../shared/errors';

export interface FileConfig {
  url?: string;
  token?: string;
  data?: string;
  port?: number;
  host?: string;
  adminToken?: string;
  agentToken?: string;
  githubToken?: string;
  githubWebhookSecret?: string;
  githubApiUrl?: string;
  /** GitHub settings beyond the three above (docs/github.md lists them all). */
  publicUrl?: string;
  githubAppId?: string;
  githubAppPrivateKeyFile?: string;
  githubInstallationId?: number;
  githubRepos?: string[];
  githubBranches?: string[];
  githubTopic?: string;
  githubCommand?: string;
  githubContext?: string;
  githubCancelSuperseded?: boolean;
  githubStatusInterval?: string;
  githubReconcile?: boolean;
  [key: string]: unknown;
}

export interface Env {
  OURCI_URL?: string;
  OURCI_TOKEN?: string;
  OURCI_DATA?: string;
  OURCI_PORT?: string;
  OURCI_HOST?: string;
  OURCI_ADMIN_TOKEN?: string;
  OURCI_AGENT_TOKEN?: string;
  OURCI_CONFIG?: string;
  GITHUB_TOKEN?: string;
  GITHUB_WEBHOOK_SECRET?: string;
  GITHUB_API_URL?: string;
  GITHUB_APP_ID?: string;
  GITHUB_APP_PRIVATE_KEY_FILE?: string;
  OURCI_PUBLIC_URL?: string;
  [key: string]: string | undefined;
}

/** Snapshot of the environment, taken once at startup and passed down. */
export function readEnv(): Env {
  return { ...process.env };
}

export function loadFileConfig(env: Env, explicit?: string): { file?: string; config: FileConfig } {
  const candidates = explicit
    ? [explicit]
    : env.OURCI_CONFIG
      ? [env.OURCI_CONFIG]
      : [join(env.OURCI_DATA ?? '.ourci', 'config.json'), join(homedir(), '.config', 'ourci', 'config.json')];
  for (const file of candidates) {
    if (!existsSync(file)) {
      if (explicit || env.OURCI_CONFIG) throw new BadRequestError(`config file ${file} does not exist`);
      continue;
    }
    try {
      const config = JSON.parse(readFileSync(file, 'utf8')) as FileConfig;
      if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error('not an object');
      return { file, config };
    } catch (err) {
      throw new BadRequestError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  return { config: {} };
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_DATA = '.ourci';

export function dataDirOf(flag: string | undefined, env: Env, file: FileConfig): string {
  return resolve(flag ?? env.OURCI_DATA ?? file.data ?? DEFAULT_DATA);
}

export function parsePort(v: string | number | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new BadRequestError(`${what} must be a port number (0-65535), got ${v}`);
  return n;
}

/** Where a client finds the master: flag > env > config file > the local master's own record. */
export function clientTarget(
  flags: { url?: string; token?: string },
  env: Env,
  file: FileConfig,
): { url: string; token?: string } {
  const dataDir = resolve(env.OURCI_DATA ?? file.data ?? DEFAULT_DATA);
  let localUrl: string | undefined;
  const record = join(dataDir, 'master.json');
  if (existsSync(record)) {
    try {
      localUrl = (JSON.parse(readFileSync(record, 'utf8')) as { url?: string }).url;
    } catch {
      // a torn record is as good as none
    }
  }
  const url = flags.url ?? env.OURCI_URL ?? file.url ?? localUrl ?? `http://127.0.0.1:${DEFAULT_PORT}`;
  let token = flags.token ?? env.OURCI_TOKEN ?? file.token;
  if (!token) {
    const adminFile = join(dataDir, 'admin.token');
    if (existsSync(adminFile)) token = readFileSync(adminFile, 'utf8').trim();
  }
  return { url, token };
}
