// Task.Next: the agent's finish → pull → start in one round trip, through the wire.
import { describe, expect, it } from 'vitest';
import { clientOf, startMaster } from '../../helpers/master';

describe('Task.Next', () => {
  it('starts the next task, and finishes the previous one in the same call', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const agent = await clientOf(m, 'agent');
    expect(await agent.call('Task.Next', { subscriptions: ['t'], waitSeconds: 0 })).toEqual({});
    const { job, task } = await admin.call('Job.Create', { topic: 't', args: ['build.sh'] });
    const first = (await agent.call('Task.Next', { subscriptions: ['t'], waitSeconds: 5, agent: 'a1' })).next!;
    expect(first).toMatchObject({ subscription: 't', deliveryAttempt: 1 });
    // What Task.Start returns, for the delivery Pull would have returned.
    expect(first.start).toMatchObject({ attempt: 1, args: ['build.sh'], task: { id: task, status: 'running', agent: 'a1' } });
    expect(first.start.env).toMatchObject({ BUILD_JOB: job, BUILD_TASK: task, OURCI_TOKEN: first.start.token });
    const second = await admin.call('Task.Spawn', { job, topic: 't', args: ['child'] });

    const r = await agent.call('Task.Next', { subscriptions: ['t'], waitSeconds: 5, finish: { ackId: first.ackId, exitCode: 0 } });
    expect(r.finished).toMatchObject({ id: task, status: 'success', exitCode: 0 });
    expect(r.next!.start.task.id).toBe(second.task);
    // A finish without a next task waiting returns once the poll times out.
    const last = await agent.call('Task.Next', { subscriptions: ['t'], waitSeconds: 0, finish: { ackId: r.next!.ackId, exitCode: 3 } });
    expect(last).toEqual({ finished: expect.objectContaining({ id: second.task, status: 'failure' }) });
    expect((await admin.call('Job.Wait', { job, waitSeconds: 5 })).job).toMatchObject({ status: 'failure', finished: true, tasksDone: 2 });
    // The report repeated (its reply was lost) is idempotent, counted once.
    const again = await agent.call('Task.Next', { subscriptions: ['t'], waitSeconds: 0, finish: { ackId: r.next!.ackId, exitCode: 3 } });
    expect(again.finished).toMatchObject({ id: second.task, status: 'failure' });
    expect((await admin.call('Job.Get', { job })).job.tasksDone).toBe(2);
  });

  it('refuses a stale finish without pulling anything', async () => {
    const m = await startMaster();
    const admin = await clientOf(m);
    const agent = await clientOf(m, 'agent');
    await admin.call('PubSub.CreateSubscription', { name: 't', topic: 't', ackDeadlineSeconds: 1 });
    const { task } = await admin.call('Job.Create', { topic: 't', args: ['x'] });
    const first = (await agent.call('Task.Next', { subscriptions: ['t'], waitSeconds: 5 })).next!;
    // No extension: the lease runs out and the task is queued again.
    const second = (await agent.call('PubSub.Pull', { subscription: 't', waitSeconds: 10 })).receivedMessages[0]!;
    await agent.call('PubSub.ModifyAckDeadline', { subscription: 't', ackIds: [second.ackId], ackDeadlineSeconds: 0 });
    await expect(agent.call('Task.Next', { subscriptions: ['t'], waitSeconds: 0, finish: { ackId: first.ackId, exitCode: 0 } })).rejects.toMatchObject({ code: 409 });
    const t = await admin.call('Task.Get', { task });
    expect(t.task.status).toBe('queued');
    expect((await admin.call('PubSub.ListSubscriptions', { topic: 't' })).subscriptions[0]).toMatchObject({ backlog: 1, inFlight: 0 });
  });

  it('is for agents', async () => {
    const m = await startMaster();
    const viewer = await clientOf(m, 'viewer');
    await expect(viewer.call('Task.Next', { subscriptions: ['t'], waitSeconds: 0 })).rejects.toMatchObject({ code: 403 });
  });
});
