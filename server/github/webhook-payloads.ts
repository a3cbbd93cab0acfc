// What OurCI reads from GitHub's webhook payloads, checked with zod: only the fields it uses,
// so GitHub adding fields changes nothing and a payload missing one is a clear 400.
import { z } from 'zod';
import { BadRequestError } from '../../src/shared/errors';

const Repository = z.object({
  full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/),
  clone_url: z.string().min(1),
  default_branch: z.string().optional(),
});

const Sha = z.string().regex(/^[0-9a-f]{40}$/, 'a 40-hex commit id');

const PullRequestPayload = z.object({
  action: z.string(),
  number: z.number().int().positive(),
  pull_request: z.object({
    title: z.string(),
    merged: z.boolean().nullable().optional(),
    head: z.object({ sha: Sha, ref: z.string() }),
  }),
  repository: Repository,
});

const PushPayload = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  head_commit: z.object({ message: z.string() }).nullable().optional(),
  repository: Repository,
});

export type PullRequestAction = 'opened' | 'synchronize' | 'reopened' | 'closed';

export type GitHubEvent =
  | {
      kind: 'pull_request';
      action: PullRequestAction;
      repo: string;
      pr: number;
      sha: string;
      ref: string;
      title: string;
      cloneUrl: string;
      /** For `closed`: whether it was merged. */
      merged?: boolean;
    }
  | { kind: 'push'; repo: string; sha: string; ref: string; title: string; cloneUrl: string };

export type Classified = { event: GitHubEvent } | { ignored: string };

const PR_ACTIONS: readonly string[] = ['opened', 'synchronize', 'reopened', 'closed'];

export interface ClassifyOptions {
  /** Repositories accepted; empty accepts any that knows the secret. */
  repos: readonly string[];
  /** Branch patterns for pushes; empty means the repository's default branch. */
  branches: readonly string[];
}

/** Turns a verified delivery into work, a reason to ignore it, or a 400 if its body is malformed. */
export function classify(name: string, body: unknown, o: ClassifyOptions): Classified {
  if (name === 'pull_request') {
    const p = parse(PullRequestPayload, body, name);
    if (!PR_ACTIONS.includes(p.action)) return { ignored: `pull_request action ${p.action} does not affect builds` };
    if (!repoAccepted(p.repository.full_name, o)) return { ignored: `repository ${p.repository.full_name} is not configured` };
    return {
      event: {
        kind: 'pull_request',
        action: p.action as PullRequestAction,
        repo: p.repository.full_name,
        pr: p.number,
        sha: p.pull_request.head.sha,
        ref: p.pull_request.head.ref,
        title: p.pull_request.title,
        cloneUrl: p.repository.clone_url,
        ...(p.action === 'closed' ? { merged: Boolean(p.pull_request.merged) } : {}),
      },
    };
  }
  if (name === 'push') {
    const p = parse(PushPayload, body, name);
    if (!p.ref.startsWith('refs/heads/')) return { ignored: `push to ${p.ref} is not a branch` };
    if (p.deleted || /^0+$/.test(p.after)) return { ignored: `${p.ref} was deleted` };
    const sha = Sha.safeParse(p.after);
    if (!sha.success) throw new BadRequestError('malformed push payload: after is not a commit id');
    if (!repoAccepted(p.repository.full_name, o)) return { ignored: `repository ${p.repository.full_name} is not configured` };
    const branch = p.ref.slice('refs/heads/'.length);
    const patterns = o.branches.length > 0 ? o.branches : [p.repository.default_branch ?? 'main'];
    if (!patterns.some((b) => branchMatches(b, branch))) return { ignored: `pushes to ${branch} do not start builds` };
    return {
      event: {
        kind: 'push',
        repo: p.repository.full_name,
        sha: sha.data,
        ref: branch,
        title: (p.head_commit?.message ?? '').split('\n')[0]!.slice(0, 200) || `push to ${branch}`,
        cloneUrl: p.repository.clone_url,
      },
    };
  }
  return { ignored: `${name} events are not used` };
}

function parse<T>(schema: z.ZodType<T>, body: unknown, name: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const where = first && first.path.length > 0 ? first.path.join('.') : 'body';
  throw new BadRequestError(`malformed ${name} payload: ${where}: ${first?.message ?? 'invalid'}`);
}

function repoAccepted(repo: string, o: ClassifyOptions): boolean {
  return o.repos.length === 0 || o.repos.some((r) => r.toLowerCase() === repo.toLowerCase());
}

/** `*` in a branch pattern matches any characters, `/` included. */
export function branchMatches(pattern: string, branch: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(branch);
}
