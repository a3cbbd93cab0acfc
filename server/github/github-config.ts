// GitHub settings of the master, as built by src/cli (flags > environment > file > defaults).
// Plain data; resolveGitHubConfig checks it once at start so a typo fails loudly there.
import { readFileSync } from 'node:fs';
import { BadRequestError } from '../../src/shared/errors';
import { isValidName } from '../../src/shared/pubsub/names';
import { splitArgs } from './split-args';

export interface GitHubAppAuth {
  appId: string;
  /** Path of the app's PEM private key (read at start). */
  privateKeyFile: string;
  /** Skips the per-repository installation lookup when the app is installed once. */
  installationId?: number;
}

export interface GitHubConfig {
  /** REST API base: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server. */
  apiUrl?: string;
  /** Personal access token or any token with statuses: write (GITHUB_TOKEN). */
  token?: string;
  /** Authenticate as a GitHub App instead of with a token. */
  app?: GitHubAppAuth;
  /** Secret shared with the repository's webhook (GITHUB_WEBHOOK_SECRET). */
  webhookSecret?: string;
  /** owner/name of the repositories to reconcile at start; when given, webhooks from others are ignored. */
  repos?: string[];
  /** Branches whose pushes start a job (`*` matches anything); default: the repository's default branch. */
  branches?: string[];
  /** Topic of the root task (default ourci/build/docker). */
  topic?: string;
  /** The root task's command line, split like a shell would (default `ci/ourci.sh`). */
  command?: string;
  /** Commit status context (default `ourci`). */
  context?: string;
  /** A new head commit cancels the PR's older jobs (default true). */
  cancelSuperseded?: boolean;
  /** Least time between two progress updates of one commit's pending status (default 3 s). */
  statusIntervalMs?: number;
  /** List open PRs at start and build heads without a final status (default true). */
  reconcile?: boolean;
  /** Largest webhook body accepted (default 25 MiB, GitHub's own cap). */
  webhookMaxBytes?: number;
  /** First retry delay of a failed status update; doubles up to retryMaxMs (defaults 1 s, 10 min). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Least time between two status POSTs (GitHub asks for about 1 s between writes; default 1000). */
  postGapMs?: number;
}

export type ResolvedGitHubConfig = Required<Omit<GitHubConfig, 'token' | 'app' | 'webhookSecret' | 'command'>> &
  Pick<GitHubConfig, 'token' | 'webhookSecret'> & {
    command: string[];
    /** The app with its key read into memory. */
    app?: { appId: string; privateKey: string; installationId?: number };
  };

export const GITHUB_DEFAULTS = {
  apiUrl: 'https://api.github.com',
  topic: 'ourci/build/docker',
  command: 'ci/ourci.sh',
  context: 'ourci',
  cancelSuperseded: true,
  statusIntervalMs: 3000,
  reconcile: true,
  webhookMaxBytes: 25 * 1024 * 1024,
  retryBaseMs: 1000,
  retryMaxMs: 10 * 60_000,
  postGapMs: 1000,
} as const;

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** Checks the settings and reads the app's key, before the master opens anything. */
export function resolveGitHubConfig(c: GitHubConfig): ResolvedGitHubConfig {
  const repos = c.repos ?? [];
  for (const r of repos) if (!REPO.test(r)) throw new BadRequestError(`GitHub repository ${JSON.stringify(r)} is not owner/name`);
  const topic = c.topic ?? GITHUB_DEFAULTS.topic;
  if (!isValidName(topic)) throw new BadRequestError(`GitHub job topic ${JSON.stringify(topic)} is not a valid topic name`);
  const command = splitArgs(c.command ?? GITHUB_DEFAULTS.command);
  if (command.length === 0) throw new BadRequestError('the GitHub job command is empty');
  const context = c.context ?? GITHUB_DEFAULTS.context;
  if (!context.trim() || context.length > 255) throw new BadRequestError('the GitHub status context must be 1-255 characters');
  const apiUrl = (c.apiUrl ?? GITHUB_DEFAULTS.apiUrl).replace(/\/+$/, '');
  try {
    const u = new URL(apiUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
  } catch {
    throw new BadRequestError(`GitHub API URL ${JSON.stringify(apiUrl)} is not an http(s) URL`);
  }
  if (c.token && c.app) throw new BadRequestError('give either a GitHub token or a GitHub App, not both');
  const num = (v: number | undefined, d: number, what: string): number => {
    const n = v ?? d;
    if (!Number.isFinite(n) || n < 0) throw new BadRequestError(`${what} must be a non-negative number`);
    return n;
  };
  return {
    apiUrl,
    token: c.token || undefined,
    app: c.app && { appId: c.app.appId, privateKey: readPrivateKey(c.app.privateKeyFile), installationId: c.app.installationId },
    webhookSecret: c.webhookSecret || undefined,
    repos,
    branches: c.branches ?? [],
    topic,
    command,
    context,
    cancelSuperseded: c.cancelSuperseded ?? GITHUB_DEFAULTS.cancelSuperseded,
    statusIntervalMs: num(c.statusIntervalMs, GITHUB_DEFAULTS.statusIntervalMs, 'the status interval'),
    reconcile: c.reconcile ?? GITHUB_DEFAULTS.reconcile,
    webhookMaxBytes: num(c.webhookMaxBytes, GITHUB_DEFAULTS.webhookMaxBytes, 'the webhook body limit'),
    retryBaseMs: num(c.retryBaseMs, GITHUB_DEFAULTS.retryBaseMs, 'the retry delay'),
    retryMaxMs: num(c.retryMaxMs, GITHUB_DEFAULTS.retryMaxMs, 'the longest retry delay'),
    postGapMs: num(c.postGapMs, GITHUB_DEFAULTS.postGapMs, 'the gap between status updates'),
  };
}

function readPrivateKey(file: string): string {
  let key: string;
  try {
    key = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BadRequestError(`cannot read the GitHub App private key ${file}: ${(err as Error).message}`);
  }
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(key)) {
    throw new BadRequestError(`${file} is not a PEM private key (generate one on the app's settings page)`);
  }
  return key;
}
