// The small pure pieces: command splitting, status texts, branch patterns, retry advice.
import { describe, expect, it } from 'vitest';
import { retryAdvice } from '../../../server/github/github-api';
import { resolveGitHubConfig } from '../../../server/github/github-config';
import { splitArgs } from '../../../server/github/split-args';
import { clip, statusOf } from '../../../server/github/status-text';
import { branchMatches, classify } from '../../../server/github/webhook-payloads';
import type { Job } from '../../../src/shared/jobs/model';
import { example } from './github-fixtures';

const job = (over: Partial<Job>): Job => ({
  id: '4',
  status: 'running',
  finished: false,
  trigger: 'github',
  rootTask: '10',
  tasksTotal: 7,
  tasksDone: 3,
  tasksFailed: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('splitArgs', () => {
  it('splits like a shell, without expanding anything', () => {
    expect(splitArgs('ci/ourci.sh')).toEqual(['ci/ourci.sh']);
    expect(splitArgs('  sh -c "make -j4 \\"all\\"" \'$HOME stays\' a\\ b  ')).toEqual(['sh', '-c', 'make -j4 "all"', '$HOME stays', 'a b']);
    expect(splitArgs('x "" \'\'')).toEqual(['x', '', '']);
    expect(splitArgs('a"b"\'c\'')).toEqual(['abc']);
  });

  it('refuses unterminated quotes with a clear error', () => {
    expect(() => splitArgs('sh -c "oops')).toThrow(/unterminated "/);
    expect(() => splitArgs("sh 'oops")).toThrow(/unterminated '/);
    expect(() => splitArgs('sh \\')).toThrow(/lone backslash/);
  });
});

describe('statusOf', () => {
  const url = 'https://ci.example/';
  const task = (): { name: string; reason: string | null } => ({ name: 'hw test esp8266', reason: 'board quarantined' });

  it('describes each job state the way a PR page shows it', () => {
    expect(statusOf(job({ tasksDone: 0, tasksTotal: 1 }), url, task)).toEqual({ state: 'pending', description: 'Queued', targetUrl: 'https://ci.example/jobs/4' });
    expect(statusOf(job({}), url, task).description).toBe('Running: 3/7 tasks done');
    expect(statusOf(job({ status: 'failure', tasksFailed: 1, firstFailedTask: '12' }), url, task)).toEqual({
      state: 'failure',
      description: 'Failed: hw test esp8266 (3/7 tasks done)',
      targetUrl: 'https://ci.example/tasks/12',
    });
    expect(statusOf(job({ status: 'failure', finished: true, tasksDone: 7, tasksFailed: 2, firstFailedTask: '12' }), url, task).description).toBe(
      'Failed: hw test esp8266 (2 of 7 tasks failed)',
    );
    expect(statusOf(job({ status: 'error', firstFailedTask: '12' }), url, task)).toMatchObject({
      state: 'error',
      description: 'Infrastructure error in hw test esp8266: board quarantined',
    });
    expect(
      statusOf(job({ status: 'success', finished: true, tasksDone: 7, finishedAt: '2026-01-01T00:03:12.000Z' }), url, task).description,
    ).toBe('Passed: 7 tasks in 3m 12s');
    expect(statusOf(job({ status: 'cancelled', cancelReason: 'superseded by 1a2b3c4' }), url, task)).toEqual({
      state: 'error',
      description: 'Cancelled: superseded by 1a2b3c4',
      targetUrl: 'https://ci.example/jobs/4',
    });
  });

  it('never exceeds 140 characters and never splits a character', () => {
    const long = (n: number): { name: string; reason: string } => ({ name: '🔥'.repeat(n), reason: 'x'.repeat(500) });
    for (const n of [1, 100, 139, 140, 141, 500]) {
      for (const status of ['failure', 'error'] as const) {
        const d = statusOf(job({ status, firstFailedTask: '1', finished: n % 2 === 0 }), '', () => long(n)).description;
        expect(Array.from(d).length).toBeLessThanOrEqual(140);
        expect(d).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no lone high surrogate
      }
    }
    expect(clip('a'.repeat(140))).toBe('a'.repeat(140));
    expect(clip('a'.repeat(141))).toBe(`${'a'.repeat(139)}…`);
    expect(clip('line one\nline two')).toBe('line one line two');
  });
});

describe('classify', () => {
  it('reads the recorded examples of every action OurCI acts on', () => {
    for (const action of ['opened', 'synchronize', 'reopened', 'closed']) {
      const c = classify('pull_request', example('pull_request', action), { repos: [], branches: [] });
      expect(c).toMatchObject({ event: { kind: 'pull_request', action, repo: 'Codertocat/Hello-World' } });
    }
  });

  it('matches branch patterns with *', () => {
    expect(branchMatches('main', 'main')).toBe(true);
    expect(branchMatches('main', 'main2')).toBe(false);
    expect(branchMatches('release/*', 'release/1.2')).toBe(true);
    expect(branchMatches('*', 'feature/x')).toBe(true);
    expect(branchMatches('v1.0', 'v1x0')).toBe(false);
  });
});

describe('retryAdvice', () => {
  const err = (status: number, headers: Record<string, string> = {}, data: unknown = {}): unknown => ({ status, message: 'x', response: { headers, data } });

  it('retries 5xx and lost connections with the backoff, one commit at a time', () => {
    expect(retryAdvice(err(502), 800, 0)).toEqual({ retry: true, ms: 800, global: false });
    expect(retryAdvice(new Error('socket hang up'), 800, 0)).toEqual({ retry: true, ms: 800, global: false });
  });

  it('holds everything for rate limits, honouring Retry-After and x-ratelimit-reset', () => {
    expect(retryAdvice(err(429, { 'retry-after': '7' }), 800, 0)).toEqual({ retry: true, ms: 7000, global: true });
    expect(retryAdvice(err(429), 800, 0)).toEqual({ retry: true, ms: 1000, global: true });
    expect(retryAdvice(err(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '100' }), 800, 90_000)).toEqual({ retry: true, ms: 11_000, global: true });
    expect(retryAdvice(err(403, {}, { message: 'You have exceeded a secondary rate limit' }), 800, 0)).toEqual({ retry: true, ms: 60_000, global: true });
  });

  it('gives up on other refusals', () => {
    for (const s of [400, 401, 403, 404, 422]) expect(retryAdvice(err(s), 800, 0)).toEqual({ retry: false });
  });
});

describe('resolveGitHubConfig', () => {
  it('fills in the defaults', () => {
    const c = resolveGitHubConfig({ token: 't' });
    expect(c).toMatchObject({ apiUrl: 'https://api.github.com', topic: 'ourci/build/docker', command: ['ci/ourci.sh'], context: 'ourci', cancelSuperseded: true, reconcile: true });
  });

  it('refuses settings that cannot work, with the setting named', () => {
    expect(() => resolveGitHubConfig({ repos: ['not-a-repo'] })).toThrow(/not owner\/name/);
    expect(() => resolveGitHubConfig({ topic: 'bad topic' })).toThrow(/not a valid topic/);
    expect(() => resolveGitHubConfig({ command: '   ' })).toThrow(/command is empty/);
    expect(() => resolveGitHubConfig({ apiUrl: 'ftp://x' })).toThrow(/not an http/);
    expect(() => resolveGitHubConfig({ token: 't', app: { appId: '1', privateKeyFile: '/nonexistent' } })).toThrow(/either a GitHub token or a GitHub App/);
  });
});
