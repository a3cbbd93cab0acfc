// Job and task semantics through the wire, with the test acting as the agent.
import { describe, expect, it } from 'vitest';
import { connectMaster } from '../../../src/client/master-client';
import { OurciError } from '../../../src/shared/errors';
import { clientOf, startMaster, waitFor } from '../../helpers/master';

async function pullOne(c: Awaited<ReturnType<typeof clientOf>>, topic = 't') {
  const r = await c.call('PubSub.Pull', { subscription: topic, waitSeconds: 10 });
  expect(r.receivedMessages).toHaveLength(1);
  return r.receivedMessages[0]!;
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 0,
    (e: unknown) => (e instanceof OurciError ? e.code : -1),
  );

describe('jobs and tasks', () => {
  it('runs a job: start gives the task environment, spawn joins the job, finish completes it', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const agent = await clientOf(m, 'agent');
    const { job, task } = await admin.call('Job.Create', { topic: 't', args: ['build.sh', 'x'], repo: 'o/r', sha: 'abc', pr: 7, ref: 'refs/heads/feat' });
    const msg = await pullOne(agent);
    const s = await agent.call('Task.Start', { ackId: msg.ackId, agent: 'a1' });
    expect(s.task.id).toBe(task);
    expect(s.args).toEqual(['build.sh', 'x']);
    expect(s.env).toMatchObject({ BUILD_JOB: job, BUILD_TASK: task, BUILD_ATTEMPT: '1', BUILD_TOPIC: 't', REPO: 'o/r', SHA: 'abc', PR: '7', BRANCH: 'feat', OURCI_URL: m.url });
    expect(s.env.OURCI_TOKEN).toBe(s.token);
    expect(new URL(s.blobUrl).password).toBe(s.token);
    expect(s.ackDeadlineSeconds).toBe(60);

    // The attempt's token spawns into its own job, as a child of its task.
    const taskClient = connectMaster(m.url, s.token);
    await taskClient.ready();
    const child = await taskClient.call('Task.Spawn', { topic: 't', args: ['child'] });
    expect(child.job).toBe(job);
    expect(await code(taskClient.call('Job.Create', { topic: 't', args: ['x'] }))).toBe(403);
    taskClient.close();

    await agent.call('Task.Finish', { ackId: msg.ackId, exitCode: 0 });
    let j = (await admin.call('Job.Get', { job })).job;
    expect(j).toMatchObject({ status: 'running', finished: false, tasksTotal: 2, tasksDone: 1 });

    const m2 = await pullOne(agent);
    const s2 = await agent.call('Task.Start', { ackId: m2.ackId });
    expect(s2.task.parent).toBe(task);
    await agent.call('Task.Finish', { ackId: m2.ackId, exitCode: 0 });
    j = (await admin.call('Job.Wait', { job, waitSeconds: 5 })).job;
    expect(j).toMatchObject({ status: 'success', finished: true, tasksDone: 2, tasksFailed: 0 });
    // The attempt's token died with the attempt.
    const late = connectMaster(m.url, s.token, { minBackoffMs: 10 });
    expect(await code(late.ready(5000))).toBe(401);
    late.close();
  });

  it('fences a lost attempt: its ackId, log and token are refused, the retry is counted once', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const agent = await clientOf(m, 'agent');
    await admin.call('PubSub.CreateSubscription', { name: 't', topic: 't', ackDeadlineSeconds: 1 });
    const { job, task } = await admin.call('Job.Create', { topic: 't', args: ['x'] });
    const first = await pullOne(agent);
    const s1 = await agent.call('Task.Start', { ackId: first.ackId });
    // No extension: the lease runs out and the message comes back.
    const second = await pullOne(agent);
    expect(second.deliveryAttempt).toBe(2);
    expect(await code(agent.call('Task.Finish', { ackId: first.ackId, exitCode: 0 }))).toBe(409);
    expect(await code(agent.call('Log.Append', { task, attempt: 1, offset: 0, data: 'late' }))).toBe(409);
    const s2 = await agent.call('Task.Start', { ackId: second.ackId });
    expect(s2.attempt).toBe(2);
    expect(s2.token).not.toBe(s1.token);
    await agent.call('Task.Finish', { ackId: second.ackId, exitCode: 0 });
    // A repeated finish of the same attempt is idempotent and not counted again.
    await agent.call('Task.Finish', { ackId: second.ackId, exitCode: 0 });
    const got = await admin.call('Job.Get', { job });
    expect(got.job).toMatchObject({ status: 'success', tasksDone: 1, tasksTotal: 1 });
    const t = await admin.call('Task.Get', { task });
    expect(t.attempts.map((a) => a.status)).toEqual(['lost', 'success']);
  });

  it('turns the job to failure on the first failed task while others still run', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const agent = await clientOf(m, 'agent');
    const { job } = await admin.call('Job.Create', { topic: 't', args: ['root'] });
    const root = await pullOne(agent);
    await agent.call('Task.Start', { ackId: root.ackId });
    await admin.call('Task.Spawn', { job, topic: 't', args: ['a'] });
    await admin.call('Task.Spawn', { job, topic: 't', args: ['b'] });
    const a = await pullOne(agent);
    const b = await pullOne(agent);
    const sa = await agent.call('Task.Start', { ackId: a.ackId });
    await agent.call('Task.Start', { ackId: b.ackId });
    await agent.call('Task.Finish', { ackId: a.ackId, exitCode: 2 });
    let j = (await admin.call('Job.Get', { job })).job;
    expect(j).toMatchObject({ status: 'failure', finished: false, firstFailedTask: sa.task.id });
    await agent.call('Task.Finish', { ackId: b.ackId, exitCode: 0 });
    await agent.call('Task.Finish', { ackId: root.ackId, exitCode: 0 });
    j = (await admin.call('Job.Get', { job })).job;
    expect(j).toMatchObject({ status: 'failure', finished: true, tasksDone: 3, tasksFailed: 1 });
  });

  it('caps fan-out per job', async () => {
    const m = await startMaster({ fanoutCap: 3 });
    const admin = await clientOf(m);
    const { job } = await admin.call('Job.Create', { topic: 't', args: ['root'] });
    await admin.call('Task.Spawn', { job, topic: 't', args: ['1'] });
    await admin.call('Task.Spawn', { job, topic: 't', args: ['2'] });
    const e = await admin.call('Task.Spawn', { job, topic: 't', args: ['3'] }).catch((x: OurciError) => x);
    expect(e).toBeInstanceOf(OurciError);
    expect((e as OurciError).code).toBe(409);
    expect((e as OurciError).message).toMatch(/fan-out cap of 3/);
  });

  it('cancels queued tasks at once and tells the agent of a running one', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const agent = await clientOf(m, 'agent');
    const { job } = await admin.call('Job.Create', { topic: 't', args: ['root'] });
    const root = await pullOne(agent);
    await agent.call('Task.Start', { ackId: root.ackId });
    const queued = await admin.call('Task.Spawn', { job, topic: 'other', args: ['q'] });
    const notices: unknown[] = [];
    agent.on('Task.Cancelled', (p) => notices.push(p));
    const r = await admin.call('Job.Cancel', { job, reason: 'superseded' });
    expect(r.cancelledTasks).toBe(2);
    expect((await admin.call('Task.Get', { task: queued.task })).task.status).toBe('cancelled');
    await waitFor(() => notices.length === 1, 5000, 'cancel notice');
    expect(notices[0]).toMatchObject({ ackId: root.ackId, reason: 'superseded' });
    // The extension reply says so too.
    const ext = await agent.call('PubSub.ModifyAckDeadline', { subscription: 't', ackIds: [root.ackId], ackDeadlineSeconds: 60 });
    expect(ext.cancelledAckIds).toEqual([root.ackId]);
    await agent.call('Task.Finish', { ackId: root.ackId, exitCode: 143, reason: 'cancelled' });
    const j = (await admin.call('Job.Get', { job })).job;
    expect(j).toMatchObject({ status: 'cancelled', finished: true, cancelReason: 'superseded' });
    // Nothing of the job is left to pull.
    const left = await agent.call('PubSub.Pull', { subscriptions: ['t', 'other'], waitSeconds: 0 });
    expect(left.receivedMessages).toHaveLength(0);
  });

  it('ends a task past its timeout even if its agent vanished', async () => {
    const m = await startMaster({ timeoutGraceMs: 100 });
    const admin = await clientOf(m);
    const agent = await clientOf(m, 'agent');
    const { job, task } = await admin.call('Job.Create', { topic: 't', args: ['sleep'], timeoutSeconds: 1 });
    const msg = await pullOne(agent);
    await agent.call('Task.Start', { ackId: msg.ackId });
    const j = (await admin.call('Job.Wait', { job, waitSeconds: 10 })).job;
    expect(j).toMatchObject({ status: 'failure', finished: true });
    expect((await admin.call('Task.Get', { task })).task).toMatchObject({ status: 'timeout' });
    expect(await code(agent.call('PubSub.Acknowledge', { subscription: 't', ackIds: [msg.ackId] }))).toBe(409);
  });

  it('gives up with error when agents keep getting lost', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const agent = await clientOf(m, 'agent');
    await admin.call('PubSub.CreateSubscription', { name: 't', topic: 't', ackDeadlineSeconds: 1, maxDeliveryAttempts: 2 });
    const { job, task } = await admin.call('Job.Create', { topic: 't', args: ['x'] });
    for (let i = 0; i < 2; i++) {
      const msg = await pullOne(agent);
      await agent.call('Task.Start', { ackId: msg.ackId });
    }
    const j = (await admin.call('Job.Wait', { job, waitSeconds: 10 })).job;
    expect(j).toMatchObject({ status: 'error', finished: true });
    const t = await admin.call('Task.Get', { task });
    expect(t.task.status).toBe('error');
    expect(t.task.reason).toMatch(/gave up after 2 deliveries/);
  });

  it('retries a job with the same root and lists jobs newest first with a cursor', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await admin.call('Job.Create', { topic: 't', args: [`job${i}`], repo: i % 2 ? 'o/odd' : 'o/even' })).job);
    const retry = await admin.call('Job.Retry', { job: ids[1]! });
    const rj = await admin.call('Job.Get', { job: retry.job });
    expect(rj.job).toMatchObject({ retryOf: ids[1], trigger: 'retry', repo: 'o/odd' });
    expect(rj.tasks[0]!.args).toEqual(['job1']);
    const p1 = await admin.call('Job.List', { limit: 2 });
    expect(p1.jobs.map((j) => j.id)).toEqual([retry.job, ids[4]]);
    expect(p1.total).toBe(6);
    const p2 = await admin.call('Job.List', { limit: 2, cursor: p1.nextCursor });
    expect(p2.jobs.map((j) => j.id)).toEqual([ids[3], ids[2]]);
    const odd = await admin.call('Job.List', { repo: 'o/odd' });
    expect(odd.jobs).toHaveLength(3);
  });

  it('keeps a running attempt across a master restart', async () => {
    const dataDir = (await import('../../helpers/master')).tempDir();
    const m1 = await startMaster({ dataDir });
    const admin1 = await clientOf(m1);
    const agent1 = await clientOf(m1, 'agent');
    const { job, task } = await admin1.call('Job.Create', { topic: 't', args: ['x'] });
    const msg = await pullOne(agent1);
    const s = await agent1.call('Task.Start', { ackId: msg.ackId });
    await agent1.call('Log.Append', { task, attempt: 1, offset: 0, data: 'before restart\n' });
    admin1.close();
    agent1.close();
    await m1.close();
    const m2 = await startMaster({ dataDir });
    const agent2 = await clientOf(m2, 'agent');
    // The log resumes at the byte the master had, and the token still works.
    const r = await agent2.call('Log.Append', { task, attempt: 1, offset: 0, data: 'before restart\nafter\n' });
    expect(r.length).toBe('before restart\nafter\n'.length);
    const tc = connectMaster(m2.url, s.token);
    await tc.ready();
    await tc.call('Task.Spawn', { topic: 'u', args: ['child'] });
    tc.close();
    await agent2.call('Task.Finish', { ackId: msg.ackId, exitCode: 0 });
    const admin2 = await clientOf(m2);
    const j = await admin2.call('Job.Get', { job });
    expect(j.job.tasksTotal).toBe(2);
    expect(j.job.tasksDone).toBe(1);
    const log = await admin2.call('Log.Read', { task });
    expect(log.data).toBe('before restart\nafter\n');
    expect(log.complete).toBe(true);
  });

  it('remembers a cancel across a master restart', async () => {
    const dataDir = (await import('../../helpers/master')).tempDir();
    const m1 = await startMaster({ dataDir });
    const admin1 = await clientOf(m1);
    const agent1 = await clientOf(m1, 'agent');
    const { job, task } = await admin1.call('Job.Create', { topic: 't', args: ['x'] });
    const msg = await pullOne(agent1);
    await agent1.call('Task.Start', { ackId: msg.ackId });
    await admin1.call('Job.Cancel', { job, reason: 'superseded' });
    admin1.close();
    agent1.close();
    await m1.close();
    const m2 = await startMaster({ dataDir });
    const agent2 = await clientOf(m2, 'agent');
    // The agent comes back and extends its lease: the reply tells it to stop.
    const ext = await agent2.call('PubSub.ModifyAckDeadline', { subscription: 't', ackIds: [msg.ackId], ackDeadlineSeconds: 60 });
    expect(ext.cancelledAckIds).toEqual([msg.ackId]);
    await agent2.call('Task.Finish', { ackId: msg.ackId, exitCode: 143, reason: 'cancelled' });
    const admin2 = await clientOf(m2);
    expect((await admin2.call('Task.Get', { task })).task).toMatchObject({ status: 'cancelled', reason: 'superseded' });
    expect((await admin2.call('Job.Get', { job })).job).toMatchObject({ status: 'cancelled', finished: true });
  });

  it('spawns once per requestId, so a resent spawn is safe', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const { job } = await admin.call('Job.Create', { topic: 't', args: ['root'] });
    const a = await admin.call('Task.Spawn', { job, topic: 't', args: ['child'], requestId: 'req-0001-abcd' });
    const b = await admin.call('Task.Spawn', { job, topic: 't', args: ['child'], requestId: 'req-0001-abcd' });
    const c = await admin.call('Task.Spawn', { job, topic: 't', args: ['child'], requestId: 'req-0002-abcd' });
    expect(b.task).toBe(a.task);
    expect(c.task).not.toBe(a.task);
    expect((await admin.call('Job.Get', { job })).job.tasksTotal).toBe(3);
  });

  it('recognises a spawn resent after a master restart', async () => {
    const dataDir = (await import('../../helpers/master')).tempDir();
    const m1 = await startMaster({ dataDir });
    const a1 = await clientOf(m1);
    const { job } = await a1.call('Job.Create', { topic: 't', args: ['root'] });
    const first = await a1.call('Task.Spawn', { job, topic: 't', args: ['child'], requestId: 'req-restart-01' });
    a1.close();
    await m1.close();
    const m2 = await startMaster({ dataDir });
    const a2 = await clientOf(m2);
    const again = await a2.call('Task.Spawn', { job, topic: 't', args: ['child'], requestId: 'req-restart-01' });
    expect(again.task).toBe(first.task);
    expect((await a2.call('Job.Get', { job })).job.tasksTotal).toBe(2);
  });
});
