// `ourci master`'s GitHub settings: flags > environment > config file > defaults, and a real
// `bin/ourci master` process taking webhooks and reporting to a fake GitHub.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { FileConfig } from '../../src/cli/config';
import { githubConfigOf, publicUrlOf } from '../../src/cli/github-settings';
import { startFakeGitHub } from '../helpers/fake-github';
import { tempDir, waitFor } from '../helpers/master';
import { deliver, prPayload, SECRET, sha } from '../server/github/github-fixtures';

const OURCI = fileURLToPath(new URL('../../bin/ourci', import.meta.url));

describe('GitHub settings', () => {
  it('is off when nothing GitHub is configured', () => {
    expect(githubConfigOf({}, {}, {})).toBeUndefined();
    expect(githubConfigOf({ githubCancelSuperseded: true, githubReconcile: true }, {}, {})).toBeUndefined();
    expect(() => githubConfigOf({ githubTopic: 'x' }, {}, {})).toThrow(/need GITHUB_TOKEN/);
  });

  it('takes flags over the environment over the config file', () => {
    const file = { githubToken: 'file-token', githubApiUrl: 'https://file.example/api/v3', githubRepos: ['a/file'], githubContext: 'file-ctx', githubReconcile: true };
    const env = { GITHUB_TOKEN: 'env-token', GITHUB_API_URL: 'https://env.example/api/v3', GITHUB_WEBHOOK_SECRET: 's' };
    const c = githubConfigOf({ githubApiUrl: 'https://flag.example/api/v3', githubRepo: ['a/flag'], githubReconcile: false }, env, file);
    expect(c).toEqual({
      apiUrl: 'https://flag.example/api/v3',
      token: 'env-token',
      webhookSecret: 's',
      repos: ['a/flag'],
      context: 'file-ctx',
      reconcile: false,
    });
    expect(githubConfigOf({}, {}, { ...file, githubStatusInterval: '5s', githubCancelSuperseded: false })).toMatchObject({
      token: 'file-token',
      apiUrl: 'https://file.example/api/v3',
      repos: ['a/file'],
      statusIntervalMs: 5000,
      cancelSuperseded: false,
      reconcile: true,
    });
    // commander's default for --no-x flags is true: that is no choice, the file still counts.
    expect(githubConfigOf({ githubCancelSuperseded: true }, {}, { githubToken: 't', githubCancelSuperseded: false })!.cancelSuperseded).toBe(false);
  });

  it('configures a GitHub App, which wins over a token in the environment', () => {
    const c = githubConfigOf({ githubAppId: '12', githubAppKey: '/keys/app.pem', githubInstallationId: '34' }, { GITHUB_TOKEN: 'runner-token' }, {});
    expect(c).toMatchObject({ app: { appId: '12', privateKeyFile: '/keys/app.pem', installationId: 34 } });
    expect(c!.token).toBeUndefined();
    expect(() => githubConfigOf({}, { GITHUB_APP_ID: '12' }, {})).toThrow(/needs its private key/);
    expect(() => githubConfigOf({ githubAppId: '1', githubAppKey: 'k', githubInstallationId: 'x' }, {}, {})).toThrow(/installation id/);
  });

  it('refuses config-file values of the wrong type', () => {
    // What a hand-written JSON file may hold, whatever the types say.
    const file = (v: Record<string, unknown>): FileConfig => v as FileConfig;
    expect(() => githubConfigOf({}, {}, file({ githubToken: 't', githubRepos: 'a/b' }))).toThrow(/githubRepos must be a list/);
    expect(() => githubConfigOf({}, {}, file({ githubToken: 't', githubReconcile: 'yes' }))).toThrow(/githubReconcile must be true or false/);
  });

  it('checks the public URL', () => {
    expect(publicUrlOf({ publicUrl: 'https://ci.example/' }, {}, {})).toBe('https://ci.example');
    expect(publicUrlOf({}, { OURCI_PUBLIC_URL: 'http://10.0.0.2:8080' }, {})).toBe('http://10.0.0.2:8080');
    expect(() => publicUrlOf({ publicUrl: 'ci.example' }, {}, {})).toThrow(/not an http/);
  });

  it('`ourci master` takes webhooks and reports statuses with the flags and environment given', async () => {
    const fake = await startFakeGitHub({ token: 'ghp_cli' });
    const data = tempDir();
    const child = spawn(
      process.execPath,
      [OURCI, 'master', '--port', '0', '--data', data, '--public-url', 'https://ci.example', '--github-context', 'ourci/cli', '--github-command', 'ci/ourci.sh --fast'],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_TOKEN: 'ghp_cli', GITHUB_WEBHOOK_SECRET: SECRET, GITHUB_API_URL: fake.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    onTestFinished(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', () => {});
    await waitFor(() => /^github: webhook/m.test(out), 20_000, 'the master to start');
    const url = /^listening on (\S+)$/m.exec(out)![1]!;
    expect(out).toMatch(/^github: webhook https:\/\/ci\.example\/webhooks\/github, statuses as "ourci\/cli"$/m);
    const r = await deliver(url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(1) }) });
    expect(r.status).toBe(200);
    await waitFor(() => fake.latest(sha(1), 'ourci/cli'), 20_000, 'the pending status');
    expect(fake.latest(sha(1), 'ourci/cli')).toMatchObject({ state: 'pending', target_url: 'https://ci.example/jobs/1' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
