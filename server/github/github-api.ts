// The GitHub REST client (@octokit/rest), authenticated with a token or as a GitHub App
// (@octokit/auth-app mints and caches installation tokens), against api.github.com or a
// GitHub Enterprise Server. Also decides, in one place, which failures are worth retrying.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import { BadRequestError } from '../../src/shared/errors';
import type { ResolvedGitHubConfig } from './github-config';

export interface GitHubApiOptions {
  apiUrl: string;
  token?: string;
  app?: ResolvedGitHubConfig['app'];
  userAgent: string;
  log: Logger;
  /** Longest one request may take. */
  requestTimeoutMs?: number;
}

export class GitHubApi {
  private readonly closing = new AbortController();
  private readonly single: Octokit | undefined;
  private readonly appClient: Octokit | undefined;
  private readonly byInstallation = new Map<number, Octokit>();
  private readonly installationOf = new Map<string, Promise<number>>();

  constructor(private readonly o: GitHubApiOptions) {
    if (o.app) {
      this.appClient = this.make({ authStrategy: createAppAuth, auth: { appId: o.app.appId, privateKey: o.app.privateKey } });
      if (o.app.installationId !== undefined) this.single = this.installationClient(o.app.installationId);
    } else if (o.token) {
      this.single = this.make({ auth: o.token });
    }
  }

  /** False when neither a token nor an app is configured: statuses are then not reported. */
  get canWrite(): boolean {
    return Boolean(this.single ?? this.appClient);
  }

  /** A client allowed to act on `repo` (owner/name). */
  async forRepo(repo: string): Promise<Octokit> {
    if (this.single) return this.single;
    if (!this.appClient) throw new BadRequestError('no GitHub token or app is configured');
    let id = this.installationOf.get(repo);
    if (!id) {
      const [owner, name] = repo.split('/') as [string, string];
      id = this.appClient.rest.apps.getRepoInstallation({ owner, repo: name }).then((r) => r.data.id);
      this.installationOf.set(repo, id);
      id.catch(() => this.installationOf.delete(repo)); // look up again next time
    }
    return this.installationClient(await id);
  }

  close(): void {
    this.closing.abort();
  }

  private installationClient(installationId: number): Octokit {
    let c = this.byInstallation.get(installationId);
    if (!c) {
      c = this.make({
        authStrategy: createAppAuth,
        auth: { appId: this.o.app!.appId, privateKey: this.o.app!.privateKey, installationId },
      });
      this.byInstallation.set(installationId, c);
    }
    return c;
  }

  private make(auth: Pick<ConstructorParameters<typeof Octokit>[0] & object, 'auth' | 'authStrategy'>): Octokit {
    const log = this.o.log;
    const octokit = new Octokit({
      ...auth,
      baseUrl: this.o.apiUrl,
      userAgent: this.o.userAgent,
      log: {
        debug: () => {},
        info: () => {},
        warn: (msg: string) => log.warn({ github: true }, msg),
        error: (msg: string) => log.error({ github: true }, msg),
      },
    });
    const timeoutMs = this.o.requestTimeoutMs ?? 30_000;
    octokit.hook.wrap('request', (request, options) => {
      const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(timeoutMs)]);
      return request({ ...options, request: { ...options.request, signal } });
    });
    return octokit;
  }
}

/** What to do after a failed request: retry after `ms` (and hold every request if `global`), or give up. */
export type RetryAdvice = { retry: true; ms: number; global: boolean } | { retry: false };

interface HttpishError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * GitHub's rules: 5xx and lost connections are transient; 429 and 403 with
 * `x-ratelimit-remaining: 0` wait for `retry-after` or `x-ratelimit-reset`; a secondary rate
 * limit (403/429 saying so) waits for `retry-after`, else at least a minute. Other 4xx are final.
 */
export function retryAdvice(err: unknown, backoffMs: number, now: number): RetryAdvice {
  const e = (err ?? {}) as HttpishError;
  const status = typeof e.status === 'number' ? e.status : 0;
  const headers = e.response?.headers ?? {};
  const header = (name: string): string | undefined => {
    const v = headers[name];
    return v === undefined ? undefined : String(v);
  };
  const text = `${e.message ?? ''} ${JSON.stringify(e.response?.data ?? '')}`;
  const retryAfter = secondsToMs(header('retry-after'));
  const resetAt = header('x-ratelimit-reset');
  const exhausted = header('x-ratelimit-remaining') === '0';
  if (status === 429 || status === 403) {
    if (retryAfter !== undefined) return { retry: true, ms: retryAfter, global: true };
    if (exhausted && resetAt !== undefined && Number.isFinite(Number(resetAt))) {
      return { retry: true, ms: Math.max(1000, Number(resetAt) * 1000 - now + 1000), global: true };
    }
    if (/secondary rate limit|abuse/i.test(text)) return { retry: true, ms: Math.max(60_000, backoffMs), global: true };
    if (status === 429) return { retry: true, ms: Math.max(backoffMs, 1000), global: true };
    return { retry: false };
  }
  // No status: not an HTTP answer at all (connection refused, timeout, aborted).
  if (status === 0 || status >= 500) return { retry: true, ms: backoffMs, global: false };
  return { retry: false };
}

function secondsToMs(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (Number.isFinite(n) && n >= 0) return n * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
