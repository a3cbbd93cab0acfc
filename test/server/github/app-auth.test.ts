// Authenticating as a GitHub App: a JWT signed with the app's private key finds the
// repository's installation and mints an installation token, which then signs the statuses.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeGitHub } from '../../helpers/fake-github';
import { startMaster, tempDir, waitFor } from '../../helpers/master';
import { deliver, githubMaster, githubSettings, prPayload, REPO, sha } from './github-fixtures';

function appKeys(): { publicKeyPem: string; keyFile: string } {
  // GitHub hands out PKCS#1 PEM files ("BEGIN RSA PRIVATE KEY").
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const keyFile = join(tempDir(), 'app.pem');
  writeFileSync(keyFile, privateKey, { mode: 0o600 });
  return { publicKeyPem: publicKey, keyFile };
}

describe('GitHub App authentication', () => {
  it('finds the installation, mints a token and reuses it', async () => {
    const { publicKeyPem, keyFile } = appKeys();
    const fake = await startFakeGitHub({ app: { appId: '123456', publicKeyPem, installationId: 42 } });
    const m = await githubMaster(fake, { token: undefined, app: { appId: '123456', privateKeyFile: keyFile } });
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(1) }) });
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(2), number: 3 }) });
    await waitFor(() => fake.latest(sha(1)) && fake.latest(sha(2)), 20_000, 'both statuses');
    const lookups = fake.requestsTo(/\/installation$/, 'GET');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.path).toBe(`/repos/${REPO}/installation`);
    expect(String(lookups[0]!.headers.authorization)).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(fake.requestsTo(/\/access_tokens$/, 'POST').map((r) => r.path)).toEqual(['/app/installations/42/access_tokens']);
    const statuses = fake.requestsTo(/\/statuses\//, 'POST');
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    for (const r of statuses) {
      expect(r.status).toBe(201);
      expect(r.headers.authorization).toBe('token ghs_fake1');
    }
  });

  it('skips the lookup when the installation id is configured', async () => {
    const { publicKeyPem, keyFile } = appKeys();
    const fake = await startFakeGitHub({ app: { appId: '7', publicKeyPem, installationId: 99 } });
    const m = await githubMaster(fake, { token: undefined, app: { appId: '7', privateKeyFile: keyFile, installationId: 99 } });
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(1) }) });
    await waitFor(() => fake.latest(sha(1)), 20_000, 'the status');
    expect(fake.requestsTo(/\/installation$/)).toEqual([]);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`).slice(0, 2)).toEqual([
      'POST /app/installations/99/access_tokens',
      `POST /repos/${REPO}/statuses/${sha(1)}`,
    ]);
  });

  it('refuses to start with a missing or malformed private key', async () => {
    const fake = await startFakeGitHub();
    const dir = tempDir();
    await expect(startMaster({ github: githubSettings(fake, { token: undefined, app: { appId: '1', privateKeyFile: join(dir, 'nope.pem') } }) })).rejects.toThrow(
      /cannot read the GitHub App private key .*nope\.pem/,
    );
    writeFileSync(join(dir, 'bad.pem'), 'hello');
    await expect(startMaster({ github: githubSettings(fake, { token: undefined, app: { appId: '1', privateKeyFile: join(dir, 'bad.pem') } }) })).rejects.toThrow(
      /not a PEM private key/,
    );
  });
});
