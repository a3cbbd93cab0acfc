// Reconcile at start: open PRs (paginated) whose head has no final status from our context
// get a job; heads with a job in the database are left alone (resumed), or get their final
// status written again when GitHub does not show it.
import { describe, expect, it } from 'vitest';
import { startFakeGitHub } from '../../helpers/fake-github';
import { clientOf, tempDir, waitFor } from '../../helpers/master';
import { githubMaster, REPO, sha } from './github-fixtures';

describe('reconcile open pull requests at start', () => {
  it('starts jobs for heads without a final status and leaves the others alone', async () => {
    const fake = await startFakeGitHub({ pageSize: 2 });
    const dataDir = tempDir();
    for (const n of [10, 11, 12, 13, 14, 15, 16]) fake.addPull(REPO, { number: n, sha: sha(n), ref: `feature-${n}`, title: `PR ${n}` });
    fake.preset(REPO, sha(11), 'ourci', 'success');
    fake.preset(REPO, sha(12), 'ourci', 'pending');
    fake.preset(REPO, sha(13), 'other-ci', 'failure');
    fake.preset(REPO, sha(15), 'ourci', 'error');

    // An earlier run (webhooks only, no token) left a running job for PR 14 and a finished one for PR 16.
    const m1 = await githubMaster(fake, { token: undefined }, { dataDir });
    const running = m1.jobs.createJob({ topic: 'ourci/build/docker', args: ['ci/ourci.sh'], repo: REPO, sha: sha(14), pr: 14, trigger: 'github' });
    const done = m1.jobs.createJob({ topic: 'ourci/other', args: ['true'], repo: REPO, sha: sha(16), pr: 16, trigger: 'github' });
    const agent = await clientOf(m1, 'agent');
    const { receivedMessages } = await agent.call('PubSub.Pull', { subscription: 'ourci/other', waitSeconds: 10 });
    await agent.call('Task.Start', { ackId: receivedMessages[0]!.ackId, agent: 'a' });
    await agent.call('Task.Finish', { ackId: receivedMessages[0]!.ackId, exitCode: 0 });
    await waitFor(() => m1.jobs.jobRow(Number(done.job))!.finished);
    await m1.close();
    expect(fake.requests).toEqual([]);

    fake.fail({ path: /\/pulls$/, status: 502 }); // GitHub hiccups once: reconcile retries
    const m2 = await githubMaster(fake, { repos: [REPO], reconcile: true }, { dataDir });
    const [result] = await m2.github!.reconciled;
    expect(result).toEqual({ repo: REPO, openPrs: 7, started: 3, resumed: 1, repaired: 1 });

    const pages = fake.requestsTo(/\/pulls$/, 'GET');
    expect(pages.map((r) => [r.status, r.query.get('page') ?? '1', r.query.get('state')])).toEqual([
      [502, '1', 'open'],
      [200, '1', 'open'],
      [200, '2', 'open'],
      [200, '3', 'open'],
      [200, '4', 'open'],
    ]);
    const c = await clientOf(m2);
    const { jobs } = await c.call('Job.List', {});
    const started = jobs.filter((j) => j.id !== running.job && j.id !== done.job);
    expect(started.map((j) => j.sha).sort()).toEqual([sha(10), sha(12), sha(13)]);
    const j10 = m2.jobs.jobRow(Number(started.find((j) => j.sha === sha(10))!.id))!;
    expect(j10).toMatchObject({ trigger: 'github', pr: 10, ref: 'feature-10', title: 'PR 10', repo: REPO });
    expect(j10.env).toMatchObject({ CLONE_URL: `https://github.example/${REPO}.git`, BRANCH: 'feature-10', PR: '10' });
    expect(m2.jobs.jobRow(Number(running.job))!.finished).toBe(false); // resumed, not restarted
    // The finished job's success reaches GitHub now; the new jobs report pending.
    await waitFor(() => fake.latest(sha(16))?.state === 'success', 20_000, 'the repaired status');
    await waitFor(() => [10, 12, 13].every((n) => fake.latest(sha(n))?.state === 'pending'), 20_000, 'pending statuses');
    expect(fake.statusesOf(sha(11))).toHaveLength(1);
    expect(fake.statusesOf(sha(15))).toHaveLength(1);
  });

  it('does nothing at start when reconcile is off', async () => {
    const fake = await startFakeGitHub();
    fake.addPull(REPO, { number: 1, sha: sha(1), ref: 'x', title: 'x' });
    const m = await githubMaster(fake, { repos: [REPO], reconcile: false });
    expect(await m.github!.reconciled).toEqual([]);
    expect(fake.requests).toEqual([]);
  });
});
