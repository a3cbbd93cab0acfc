// The commit-status outbox against a misbehaving GitHub: 5xx, 429, secondary and primary rate
// limits, permanent refusals; coalescing; the final state winning over a stale pending. Tasks
// are run through the agent RPCs directly (pull, start, finish) to keep timings tight.
import { describe, expect, it } from 'vitest';
import type { Master } from '../../../server/master';
import { startFakeGitHub, type RecordedRequest } from '../../helpers/fake-github';
import { clientOf, waitFor } from '../../helpers/master';
import { deliver, githubMaster, prPayload, sha } from './github-fixtures';

/** Plays an agent: takes one task from the topic and ends it with `exitCode`. */
async function runOne(m: Master, exitCode: number, topic = 'ourci/build/docker'): Promise<string> {
  const c = await clientOf(m, 'agent');
  const { receivedMessages } = await c.call('PubSub.Pull', { subscription: topic, waitSeconds: 10 });
  const msg = receivedMessages[0];
  if (!msg) throw new Error(`no task on ${topic}`);
  const start = await c.call('Task.Start', { ackId: msg.ackId, agent: 'test' });
  await c.call('Task.Finish', { ackId: msg.ackId, exitCode });
  return start.task.id;
}

async function openPr(m: Master, n: number): Promise<void> {
  const r = await deliver(m.url, { event: 'pull_request', body: prPayload({ action: 'opened', sha: sha(n), number: n }) });
  expect(r.status).toBe(200);
}

const posts = (reqs: RecordedRequest[]): RecordedRequest[] => reqs.filter((r) => r.method === 'POST' && r.path.includes('/statuses/'));

describe('commit-status outbox', () => {
  it('retries 5xx with growing backoff until GitHub takes the status', async () => {
    const fake = await startFakeGitHub();
    fake.fail({ path: /\/statuses\//, status: 500, times: 1 });
    fake.fail({ path: /\/statuses\//, status: 502, times: 1 });
    fake.fail({ path: /\/statuses\//, status: 503, times: 1 });
    const m = await githubMaster(fake, { retryBaseMs: 50 });
    await openPr(m, 1);
    await waitFor(() => fake.latest(sha(1))?.state === 'pending', 20_000, 'the pending status');
    const tries = posts(fake.requests);
    expect(tries.map((r) => r.status)).toEqual([500, 502, 503, 201]);
    // Backoff doubles from 50 ms, with ±20 % jitter: lower bounds only (the machine may be slower, never faster).
    const gaps = tries.slice(1).map((r, i) => r.at - tries[i]!.at);
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(0.8 * 50 * 2 ** i - 2));
    await waitFor(() => m.github!.store.outboxSize() === 0, 10_000, 'an empty outbox');
  });

  it('holds every request for Retry-After after a 429 or a secondary rate limit', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    fake.fail({ path: /\/statuses\//, status: 429, headers: { 'retry-after': '1' } });
    await openPr(m, 1);
    await openPr(m, 2); // a second commit must wait too: the limit is per token, not per commit
    await waitFor(() => fake.latest(sha(1)) && fake.latest(sha(2)), 20_000, 'both statuses');
    let tries = posts(fake.requests);
    expect(tries[0]!.status).toBe(429);
    for (const r of tries.slice(1)) expect(r.at - tries[0]!.at).toBeGreaterThanOrEqual(1000);

    fake.requests.length = 0;
    fake.fail({
      path: /\/statuses\//,
      status: 403,
      headers: { 'retry-after': '1' },
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
    });
    await runOne(m, 0); // job of PR 1 finishes: success
    await waitFor(() => fake.latest(sha(1))?.state === 'success', 20_000, 'the success status');
    tries = posts(fake.requests);
    expect(tries[0]!.status).toBe(403);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('waits for x-ratelimit-reset when the quota is exhausted', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    const reset = Math.ceil(Date.now() / 1000) + 1;
    fake.fail({
      path: /\/statuses\//,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded for installation ID 1.' },
    });
    await openPr(m, 1);
    await waitFor(() => fake.latest(sha(1)), 20_000, 'the status');
    const tries = posts(fake.requests);
    expect(tries.map((r) => r.status)).toEqual([403, 201]);
    expect(tries[1]!.at).toBeGreaterThanOrEqual(reset * 1000);
  });

  it('drops a status GitHub refuses for good (422) and keeps going', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    fake.fail({ path: /\/statuses\//, status: 422, body: { message: 'No commit found for SHA' } });
    await openPr(m, 1);
    await waitFor(() => m.github!.outbox.dropped === 1, 20_000, 'the refusal');
    expect(m.github!.store.outboxSize()).toBe(0);
    await runOne(m, 0);
    await waitFor(() => fake.latest(sha(1))?.state === 'success', 20_000, 'the next status');
    expect(posts(fake.requests).map((r) => r.status)).toEqual([422, 201]);
  });

  it('lets the final state win over a pending that is still being retried', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake, { retryBaseMs: 50, retryMaxMs: 200 });
    fake.fail({ path: /\/statuses\//, status: 503, times: 1_000_000 });
    await openPr(m, 1);
    await waitFor(() => posts(fake.requests).length >= 1, 20_000, 'the first attempt');
    const failed = await runOne(m, 1);
    // GitHub is still down; the outbox now retries the final wish instead of the pending one.
    await waitFor(() => posts(fake.requests).some((r) => (r.body as { state?: string }).state === 'failure'), 20_000, 'a retry of the final state');
    fake.failures.length = 0;
    await waitFor(() => m.github!.store.outboxSize() === 0 && fake.latest(sha(1)), 20_000, 'the outbox to drain');
    const all = fake.statusesOf(sha(1));
    // The pending never reached GitHub: the queued wish was replaced by the final one.
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ state: 'failure', target_url: `https://ci.example/tasks/${failed}` });
    const sent = posts(fake.requests).map((r) => (r.body as { state: string }).state);
    expect(sent.lastIndexOf('pending')).toBeLessThan(sent.indexOf('failure'));
  });

  it('coalesces progress within one state and sends state changes at once', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake, { statusIntervalMs: 60_000 });
    await openPr(m, 1);
    await waitFor(() => fake.latest(sha(1))?.description === 'Queued', 20_000, 'the first pending');
    const admin = await clientOf(m);
    for (let i = 0; i < 4; i++) await admin.call('Task.Spawn', { job: '1', topic: 'ourci/test/child', args: ['true'], name: `child ${i}` });
    await runOne(m, 0);
    for (let i = 0; i < 4; i++) await runOne(m, 0, 'ourci/test/child');
    await waitFor(() => fake.latest(sha(1))?.state === 'success', 20_000, 'the success');
    // Eight progress changes happened within the interval; only the state changes went out.
    expect(fake.statusesOf(sha(1)).map((s) => [s.state, s.description])).toEqual([
      ['pending', 'Queued'],
      ['success', expect.stringMatching(/^Passed: 5 tasks in \d+s$/)],
    ]);
    expect(fake.latest(sha(1))!.target_url).toBe('https://ci.example/jobs/1');
  });

  it('keeps descriptions within 140 characters, whatever the task is called', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    await openPr(m, 1);
    const admin = await clientOf(m);
    const long = `flash and test the firmware on every ESP8266 board of the bench ${'with a very long name '.repeat(8)}`.slice(0, 200);
    await admin.call('Task.Spawn', { job: '1', topic: 'ourci/test/child', args: ['false'], name: long });
    await runOne(m, 0);
    await runOne(m, 1, 'ourci/test/child');
    await waitFor(() => fake.latest(sha(1))?.state === 'failure' && m.github!.store.outboxSize() === 0, 20_000, 'the failure');
    for (const s of fake.statusesOf(sha(1))) expect(Array.from(s.description ?? '').length).toBeLessThanOrEqual(140);
    const d = fake.latest(sha(1))!.description!;
    expect(d).toMatch(/^Failed: flash and test the firmware .*… \(1 of 2 tasks failed\)$/);
    expect(posts(fake.requests).every((r) => r.status === 201)).toBe(true);
  });

  it('reports an infrastructure failure as error, and a cancelled job with its reason', async () => {
    const fake = await startFakeGitHub();
    const m = await githubMaster(fake);
    await openPr(m, 1);
    const c = await clientOf(m, 'agent');
    const { receivedMessages } = await c.call('PubSub.Pull', { subscription: 'ourci/build/docker', waitSeconds: 10 });
    await c.call('Task.Start', { ackId: receivedMessages[0]!.ackId, agent: 'test' });
    await c.call('Task.Finish', { ackId: receivedMessages[0]!.ackId, exitCode: 1, reason: 'error', message: 'docker daemon not reachable' });
    await waitFor(() => fake.latest(sha(1))?.state === 'error', 20_000, 'the error status');
    expect(fake.latest(sha(1))!.description).toMatch(/^Infrastructure error in .*: docker daemon not reachable$/);

    await openPr(m, 2);
    await waitFor(() => fake.latest(sha(2))?.state === 'pending', 20_000, 'the pending');
    const admin = await clientOf(m);
    await admin.call('Job.Cancel', { job: '2', reason: 'stopped by alice' });
    await waitFor(() => fake.latest(sha(2))?.state === 'error', 20_000, 'the cancelled status');
    expect(fake.latest(sha(2))!.description).toBe('Cancelled: stopped by alice');
  });
});
