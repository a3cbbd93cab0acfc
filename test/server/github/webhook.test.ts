// POST /webhooks/github against a real master: signatures, bad bodies, routing of events,
// de-duplication, supersede and close. Payloads are GitHub's recorded examples.
import { describe, expect, it } from 'vitest';
import type { Master } from '../../../server/master';
import { startFakeGitHub } from '../../helpers/fake-github';
import { clientOf, waitFor } from '../../helpers/master';
import { deliver, example, githubMaster, prPayload, REPO, sha } from './github-fixtures';

async function jobsOf(m: Master): Promise<Array<{ id: string; sha?: string; pr?: number; status: string; cancelReason?: string; title?: string; ref?: string }>> {
  const c = await clientOf(m);
  return (await c.call('Job.List', {})).jobs;
}

async function jobsWhen(m: Master, n: number): Promise<Awaited<ReturnType<typeof jobsOf>>> {
  let list: Awaited<ReturnType<typeof jobsOf>> = [];
  await waitFor(async () => (list = await jobsOf(m)).length === n, 15_000, `${n} jobs`);
  return list;
}

describe('POST /webhooks/github', () => {
  it('refuses missing and wrong signatures with 401 and creates nothing', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    const body = prPayload({ action: 'opened', sha: sha(1) });
    const missing = await deliver(m.url, { event: 'pull_request', body, secret: null });
    expect(missing.status).toBe(401);
    expect(String((missing.json.error as { message: string }).message)).toMatch(/X-Hub-Signature-256/);
    const wrong = await deliver(m.url, { event: 'pull_request', body, secret: 'not the secret' });
    expect(wrong.status).toBe(401);
    const tampered = await deliver(m.url, {
      event: 'pull_request',
      body: JSON.stringify(body),
      headers: { 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) },
    });
    expect(tampered.status).toBe(401);
    const garbage = await deliver(m.url, { event: 'pull_request', body, headers: { 'x-hub-signature-256': 'md5=xyz' } });
    expect(garbage.status).toBe(401);
    expect(await jobsOf(m)).toEqual([]);
    for (const d of [missing, wrong, tampered, garbage]) expect(m.github!.store.hasDelivery(d.delivery)).toBe(false);
    expect(fake.requests).toEqual([]);
  });

  it('answers 400 to signed bodies that are not JSON or not a valid payload, and creates nothing', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    const notJson = await deliver(m.url, { event: 'pull_request', body: '{"action": "opened",' });
    expect(notJson.status).toBe(400);
    const array = await deliver(m.url, { event: 'pull_request', body: '[1,2]' });
    expect(array.status).toBe(400);
    const broken = prPayload({ action: 'opened', sha: sha(1) });
    delete (broken.pull_request as Record<string, unknown>).head;
    const shape = await deliver(m.url, { event: 'pull_request', body: broken });
    expect(shape.status).toBe(400);
    expect(String((shape.json.error as { message: string }).message)).toMatch(/malformed pull_request payload: pull_request\.head/);
    const noEvent = await deliver(m.url, { event: '', body: prPayload({ action: 'opened', sha: sha(1) }) });
    expect(noEvent.status).toBe(400);
    expect(await jobsOf(m)).toEqual([]);
  });

  it('refuses bodies over the limit with 413', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake, { webhookMaxBytes: 4096 });
    const body = prPayload({ action: 'opened', sha: sha(1), title: 'x'.repeat(10_000) });
    const r = await deliver(m.url, { event: 'pull_request', body });
    expect(r.status).toBe(413);
    expect(await jobsOf(m)).toEqual([]);
  });

  it('answers ping with 200 and ignores other events and actions with 202', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    const ping = await deliver(m.url, { event: 'ping', body: example('ping') });
    expect(ping.status).toBe(200);
    expect(ping.json.ok).toBe(true);
    const issues = await deliver(m.url, { event: 'issues', body: example('issues', 'opened') });
    expect(issues.status).toBe(202);
    expect(issues.json.ignored).toMatch(/issues events are not used/);
    const labeled = await deliver(m.url, { event: 'pull_request', body: example('pull_request', 'labeled') });
    expect(labeled.status).toBe(202);
    const tag = await deliver(m.url, { event: 'push', body: example('push') }); // the first example pushes a tag
    expect(tag.status).toBe(202);
    expect(tag.json.ignored).toMatch(/not a branch/);
    expect(await jobsOf(m)).toEqual([]);
  });

  it('answers 503 when no webhook secret is configured', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake, { webhookSecret: undefined });
    const r = await deliver(m.url, { event: 'ping', body: example('ping') });
    expect(r.status).toBe(503);
    expect(String((r.json.error as { message: string }).message)).toMatch(/GITHUB_WEBHOOK_SECRET/);
  });

  it('starts one job per opened PR head, with the task environment, and de-duplicates deliveries', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake, { command: 'ci/ourci.sh --stage "build all"', topic: 'ourci/build/docker' });
    const body = prPayload({ action: 'opened', sha: sha(1) });
    const first = await deliver(m.url, { event: 'pull_request', body });
    expect(first.status).toBe(200);
    expect(first.json.accepted).toBe(true);
    const again = await deliver(m.url, { event: 'pull_request', body, delivery: first.delivery });
    expect(again.status).toBe(200);
    expect(again.json.duplicate).toBe(true);
    const [job] = await jobsWhen(m, 1);
    expect(job).toMatchObject({ sha: sha(1), pr: 2, ref: 'changes', title: 'Update the README with new information.', status: 'running' });
    const row = m.jobs.jobRow(Number(job!.id))!;
    expect(row.trigger).toBe('github');
    expect(row.repo).toBe(REPO);
    expect(row.root).toMatchObject({ topic: 'ourci/build/docker', args: ['ci/ourci.sh', '--stage', 'build all'] });
    expect(row.env).toEqual({
      REPO,
      SHA: sha(1),
      BRANCH: 'changes',
      PR: '2',
      CLONE_URL: 'https://github.com/Codertocat/Hello-World.git',
    });
    // A third copy later still changes nothing.
    const third = await deliver(m.url, { event: 'pull_request', body, delivery: first.delivery });
    expect(third.json.duplicate).toBe(true);
    expect(await jobsOf(m)).toHaveLength(1);
  });

  it('accepts the form-encoded content type too', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    const form = new URLSearchParams({ payload: JSON.stringify(prPayload({ action: 'opened', sha: sha(3) })) }).toString();
    const r = await deliver(m.url, { event: 'pull_request', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(200);
    await waitFor(async () => (await jobsOf(m)).length === 1);
  });

  it('a new head commit cancels the previous job; closing the PR cancels the rest', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(1) }) });
    await waitFor(async () => (await jobsOf(m)).length === 1);
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'synchronize', sha: sha(2) }) });
    const jobs = await jobsWhen(m, 2);
    const old = jobs.find((j) => j.sha === sha(1))!;
    const cur = jobs.find((j) => j.sha === sha(2))!;
    expect(old.status).toBe('cancelled');
    expect(old.cancelReason).toBe(`superseded by ${sha(2).slice(0, 7)}`);
    expect(cur.status).toBe('running');
    // The same head delivered again (a reopen, a redelivery with a new id) does not start a second job.
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'reopened', sha: sha(2) }) });
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'closed', sha: sha(2) }) });
    await waitFor(async () => (await jobsOf(m)).find((j) => j.sha === sha(2))?.status === 'cancelled');
    const after = await jobsOf(m);
    expect(after).toHaveLength(2);
    expect(after.find((j) => j.sha === sha(2))!.cancelReason).toBe('pull request #2 was closed');
  });

  it('says "merged" when a merged pull request cancels its jobs', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(1) }) });
    await jobsWhen(m, 1);
    const closed = prPayload({ action: 'closed', sha: sha(1) });
    (closed.pull_request as { merged: boolean }).merged = true;
    await deliver(m.url, { event: 'pull_request', body: closed });
    await waitFor(async () => (await jobsOf(m))[0]!.cancelReason === 'pull request #2 was merged');
  });

  it('keeps older commits building when superseding is off', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake, { cancelSuperseded: false });
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(1) }) });
    await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'synchronize', sha: sha(2) }) });
    const jobs = await jobsWhen(m, 2);
    expect(jobs.map((j) => j.status)).toEqual(['running', 'running']);
  });

  it('starts jobs for pushes to configured branches only, and for configured repositories only', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake, { branches: ['main', 'release/*'], repos: [REPO] });
    const push = (ref: string, after: string, repo = REPO): Record<string, unknown> => {
      const p = example('push') as { ref: string; after: string; deleted: boolean; repository: { full_name: string } };
      Object.assign(p, { ref, after, deleted: false });
      p.repository.full_name = repo;
      return p as unknown as Record<string, unknown>;
    };
    expect((await deliver(m.url, { event: 'push', body: push('refs/heads/master', sha(5)) })).status).toBe(202);
    expect((await deliver(m.url, { event: 'push', body: push('refs/heads/main', sha(6), 'someone/else') })).status).toBe(202);
    expect((await deliver(m.url, { event: 'push', body: push('refs/heads/release/1.2', '0'.repeat(40)) })).status).toBe(202);
    expect((await deliver(m.url, { event: 'push', body: push('refs/heads/release/1.2', sha(7)) })).status).toBe(200);
    const [job] = await jobsWhen(m, 1);
    expect(job).toMatchObject({ sha: sha(7), ref: 'release/1.2', title: 'Adding a .gitignore file' });
    expect(job!.pr).toBeUndefined();
    expect(m.jobs.jobRow(Number(job!.id))!.env).toMatchObject({ BRANCH: 'release/1.2', SHA: sha(7) });
  });

  it('builds pushes to the default branch when no branches are configured', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    const p = example('push') as { ref: string; after: string; deleted: boolean };
    Object.assign(p, { ref: 'refs/heads/master', after: sha(8), deleted: false });
    expect((await deliver(m.url, { event: 'push', body: p })).status).toBe(200);
    await waitFor(async () => (await jobsOf(m)).length === 1);
  });
});
