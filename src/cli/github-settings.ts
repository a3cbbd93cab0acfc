// The master's GitHub settings: flags > environment > config file > defaults, like the rest.
// Secrets (token, webhook secret) come only from the environment or the config file, never
// from flags, which any local user can read in the process list.
import type { Command } from 'commander';
import type { GitHubConfig } from '../../server/index';
import { BadRequestError } from '../shared/errors';
import type { Env, FileConfig } from './config';
import { parseDuration } from './context';

export interface GitHubFlags {
  publicUrl?: string;
  githubApiUrl?: string;
  githubAppId?: string;
  githubAppKey?: string;
  githubInstallationId?: string;
  githubRepo?: string[];
  githubBranch?: string[];
  githubTopic?: string;
  githubCommand?: string;
  githubContext?: string;
  githubCancelSuperseded?: boolean;
  githubStatusInterval?: string;
  githubReconcile?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function addGitHubOptions(cmd: Command): Command {
  return cmd
    .option('--public-url <url>', 'base URL people use to reach this master, for links in GitHub statuses (env OURCI_PUBLIC_URL)')
    .option('--github-api-url <url>', 'GitHub REST API, e.g. https://HOST/api/v3 for GitHub Enterprise (env GITHUB_API_URL)')
    .option('--github-app-id <id>', 'authenticate as this GitHub App instead of GITHUB_TOKEN (env GITHUB_APP_ID)')
    .option('--github-app-key <file>', "the GitHub App's private key, PEM (env GITHUB_APP_PRIVATE_KEY_FILE)")
    .option('--github-installation-id <id>', "the app's installation id; looked up per repository when absent")
    .option('--github-repo <owner/name>', 'repository to reconcile at start and accept webhooks from (repeatable)', collect)
    .option('--github-branch <name>', 'branch whose pushes start a job, * matches any text (repeatable; default: the default branch)', collect)
    .option('--github-topic <topic>', 'topic of the root task of GitHub jobs (default ourci/build/docker)')
    .option('--github-command <cmd>', "the root task's command line, split like a shell would (default ci/ourci.sh)")
    .option('--github-context <name>', 'commit status context (default ourci)')
    .option('--no-github-cancel-superseded', 'keep building older commits of a pull request after a new push')
    .option('--github-status-interval <duration>', 'least time between progress updates of a pending status (default 3s)')
    .option('--no-github-reconcile', 'do not list open pull requests at start');
}

/** The GitHub part of MasterConfig, or undefined when nothing GitHub is configured. */
export function githubConfigOf(o: GitHubFlags, env: Env, file: FileConfig): GitHubConfig | undefined {
  const str = (key: keyof FileConfig): string | undefined => {
    const v = file[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw new BadRequestError(`config ${String(key)} must be a string`);
    return String(v);
  };
  const list = (key: keyof FileConfig): string[] | undefined => {
    const v = file[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new BadRequestError(`config ${String(key)} must be a list of strings`);
    return v as string[];
  };
  const bool = (flag: boolean | undefined, key: keyof FileConfig): boolean | undefined => {
    // commander sets --no-x flags to true by default; only an explicit false is a choice.
    if (flag === false) return false;
    const v = file[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw new BadRequestError(`config ${String(key)} must be true or false`);
    return v;
  };
  const token = env.GITHUB_TOKEN || str('githubToken');
  const webhookSecret = env.GITHUB_WEBHOOK_SECRET || str('githubWebhookSecret');
  const appId = o.githubAppId ?? (env.GITHUB_APP_ID || str('githubAppId'));
  const appKey = o.githubAppKey ?? (env.GITHUB_APP_PRIVATE_KEY_FILE || str('githubAppPrivateKeyFile'));
  if (!token && !webhookSecret && !appId) {
    const given = Object.entries(o).filter(([k, v]) => k.startsWith('github') && v !== undefined && v !== true);
    if (given.length > 0) {
      throw new BadRequestError('GitHub options need GITHUB_TOKEN, a GitHub App (--github-app-id) or GITHUB_WEBHOOK_SECRET to be set as well');
    }
    return undefined;
  }
  if (appId && !appKey) throw new BadRequestError('a GitHub App needs its private key: --github-app-key FILE or GITHUB_APP_PRIVATE_KEY_FILE');
  const installation = o.githubInstallationId ?? str('githubInstallationId');
  const interval = o.githubStatusInterval ?? str('githubStatusInterval');
  const c: GitHubConfig = {
    apiUrl: o.githubApiUrl ?? (env.GITHUB_API_URL || str('githubApiUrl')),
    // With an app configured the token is someone else's (e.g. a CI runner's GITHUB_TOKEN): the app wins.
    token: appId ? undefined : token,
    app: appId ? { appId, privateKeyFile: appKey!, installationId: installation ? positiveInt(installation, 'the GitHub installation id') : undefined } : undefined,
    webhookSecret,
    repos: o.githubRepo ?? list('githubRepos'),
    branches: o.githubBranch ?? list('githubBranches'),
    topic: o.githubTopic ?? str('githubTopic'),
    command: o.githubCommand ?? str('githubCommand'),
    context: o.githubContext ?? str('githubContext'),
    cancelSuperseded: bool(o.githubCancelSuperseded, 'githubCancelSuperseded'),
    statusIntervalMs: interval !== undefined ? parseDuration(interval) * 1000 : undefined,
    reconcile: bool(o.githubReconcile, 'githubReconcile'),
  };
  for (const k of Object.keys(c) as (keyof GitHubConfig)[]) if (c[k] === undefined) delete c[k];
  return c;
}

export function publicUrlOf(o: GitHubFlags, env: Env, file: FileConfig): string | undefined {
  const v = o.publicUrl ?? (env.OURCI_PUBLIC_URL || (typeof file.publicUrl === 'string' ? file.publicUrl : undefined));
  if (v === undefined) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new BadRequestError(`--public-url ${v} is not an http(s) URL`);
  }
  return v.replace(/\/+$/, '');
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new BadRequestError(`${what} must be a positive whole number, got ${v}`);
  return n;
}
