// Leases: extension, nack, expiry and redelivery, and the fencing of stale ackIds (409).
import { describe, expect, it } from 'vitest';
import { clientOf, startMaster, tempDir, waitFor } from '../../helpers/master';
import { pullOne, snapshot, sub, waitPullers } from '../../helpers/pubsub-state';

describe('leases', () => {
  it('ModifyAckDeadline keeps a lease well past its original deadline', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 's', topic: 't', ackDeadlineSeconds: 3 });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    const r = await pullOne(c, 's');
    expect(await c.call('PubSub.ModifyAckDeadline', { subscription: 's', ackIds: [r.ackId], ackDeadlineSeconds: 60 })).toEqual({
      modified: 1,
      cancelledAckIds: [],
    });
    // Another puller waits past the original 3 s deadline and gets nothing.
    const other = await clientOf(m, 'agent');
    const t0 = Date.now();
    expect((await other.call('PubSub.Pull', { subscription: 's', waitSeconds: 4 })).receivedMessages).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3900);
    expect(sub(m, 's')).toMatchObject({ inFlight: 1, backlog: 0 });
    expect(await c.call('PubSub.Acknowledge', { subscription: 's', ackIds: [r.ackId] })).toEqual({ acknowledged: 1 });
  });

  it('ModifyAckDeadline 0 (nack) redelivers at once with deliveryAttempt + 1 and a fresh ackId', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'a' }, { data: 'b' }] });
    const first = await pullOne(c, 't');
    expect(first.message.data).toBe('a');
    await c.call('PubSub.ModifyAckDeadline', { subscription: 't', ackIds: [first.ackId], ackDeadlineSeconds: 0 });
    // Released to the front of the queue, ahead of 'b'.
    const again = await pullOne(c, 't');
    expect(again).toMatchObject({ deliveryAttempt: 2, message: { messageId: first.message.messageId, data: 'a' } });
    expect(again.ackId).not.toBe(first.ackId);
    await expect(c.call('PubSub.Acknowledge', { subscription: 't', ackIds: [first.ackId] })).rejects.toMatchObject({ code: 409, message: 'lease lost' });
    await c.call('PubSub.Acknowledge', { subscription: 't', ackIds: [again.ackId] });
  });

  it('a nack wakes a waiting puller', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const other = await clientOf(m, 'agent');
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'a' }] });
    const r = await pullOne(c, 't');
    const waiting = other.call('PubSub.Pull', { subscription: 't', waitSeconds: 60 });
    await waitPullers(m, 't', 1);
    await c.call('PubSub.ModifyAckDeadline', { subscription: 't', ackIds: [r.ackId], ackDeadlineSeconds: 0 });
    expect((await waiting).receivedMessages).toEqual([expect.objectContaining({ deliveryAttempt: 2 })]);
  });

  it('an expired lease is redelivered to another client; the old ackId is then stale and changes nothing', async () => {
    const m = await startMaster();
    const a = await clientOf(m, 'agent');
    const b = await clientOf(m, 'agent');
    const admin = await clientOf(m);
    await admin.call('PubSub.CreateSubscription', { name: 's', topic: 't', ackDeadlineSeconds: 1 });
    await admin.call('PubSub.Publish', { topic: 't', messages: [{ data: 'job' }] });
    const lost = await pullOne(a, 's');
    const t0 = Date.now();
    const redelivered = await pullOne(b, 's', 30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(redelivered).toMatchObject({ deliveryAttempt: 2, message: { messageId: lost.message.messageId } });
    expect(redelivered.ackId).not.toBe(lost.ackId);

    const before = snapshot(m);
    const ack = await a.call('PubSub.Acknowledge', { subscription: 's', ackIds: [lost.ackId] }).catch((e: unknown) => e);
    expect(ack).toMatchObject({ code: 409, message: 'lease lost', data: { ackIds: [lost.ackId] } });
    await expect(a.call('PubSub.ModifyAckDeadline', { subscription: 's', ackIds: [lost.ackId], ackDeadlineSeconds: 600 })).rejects.toMatchObject({
      code: 409,
      message: 'lease lost',
    });
    await expect(a.call('PubSub.ModifyAckDeadline', { subscription: 's', ackIds: [lost.ackId], ackDeadlineSeconds: 0 })).rejects.toMatchObject({ code: 409 });
    // A mixed call fails as a whole: the current lease is neither acked nor extended.
    await expect(b.call('PubSub.Acknowledge', { subscription: 's', ackIds: [redelivered.ackId, lost.ackId] })).rejects.toMatchObject({ code: 409 });
    await expect(
      b.call('PubSub.ModifyAckDeadline', { subscription: 's', ackIds: [redelivered.ackId, lost.ackId], ackDeadlineSeconds: 0 }),
    ).rejects.toMatchObject({ code: 409 });
    expect(snapshot(m)).toEqual(before);
    expect(await b.call('PubSub.Acknowledge', { subscription: 's', ackIds: [redelivered.ackId] })).toEqual({ acknowledged: 1 });
    expect(sub(m, 's')).toMatchObject({ inFlight: 0, backlog: 0, deadLettered: 0 });
  });

  it('acknowledging the same current delivery twice is idempotent, also within one call', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }, { data: 2 }] });
    const r = await pullOne(c, 't');
    await c.call('PubSub.Acknowledge', { subscription: 't', ackIds: [r.ackId] });
    await c.call('PubSub.Acknowledge', { subscription: 't', ackIds: [r.ackId] });
    const r2 = await pullOne(c, 't');
    await c.call('PubSub.Acknowledge', { subscription: 't', ackIds: [r2.ackId, r2.ackId] });
    expect(sub(m, 't')).toMatchObject({ inFlight: 0, backlog: 0 });
    // Extending an acked delivery is refused: there is no lease any more.
    await expect(c.call('PubSub.ModifyAckDeadline', { subscription: 't', ackIds: [r.ackId], ackDeadlineSeconds: 10 })).rejects.toMatchObject({ code: 409 });
  });

  it('a repeated ackId in one call counts once and leaves other subscriptions\' copies alone, across a restart', async () => {
    const dataDir = tempDir();
    const m = await startMaster({ dataDir });
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 'audit', topic: 't' });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'x' }] });
    const r = await pullOne(c, 't');
    await c.call('PubSub.Acknowledge', { subscription: 't', ackIds: [r.ackId, r.ackId] });
    const r2 = await pullOne(c, 'audit');
    await c.call('PubSub.Pull', { subscription: 'audit', waitSeconds: 0, ackIds: [r2.ackId, r2.ackId] });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'y' }] });
    const y = await pullOne(c, 't');
    await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0, ackIds: [y.ackId, y.ackId] });
    c.close();
    await m.close();
    const m2 = await startMaster({ dataDir });
    expect(sub(m2, 'audit')).toMatchObject({ backlog: 1, inFlight: 0 });
    const c2 = await clientOf(m2);
    expect((await pullOne(c2, 'audit')).message.data).toBe('y');
  });

  it('a repeated ackId in one nack releases the message once', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 's', topic: 't', maxDeliveryAttempts: 1 });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }, { data: 2 }] });
    const r = await pullOne(c, 't');
    expect(await c.call('PubSub.ModifyAckDeadline', { subscription: 't', ackIds: [r.ackId, r.ackId], ackDeadlineSeconds: 0 })).toMatchObject({
      modified: 1,
    });
    expect(sub(m, 't')).toMatchObject({ backlog: 2, inFlight: 0 });
    const all = await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0, maxMessages: 10 });
    expect(all.receivedMessages.map((x) => x.message.data)).toEqual([1, 2]);
    expect(sub(m, 't')).toMatchObject({ backlog: 0, inFlight: 2 });
    const d = await pullOne(c, 's');
    await c.call('PubSub.ModifyAckDeadline', { subscription: 's', ackIds: [d.ackId, d.ackId], ackDeadlineSeconds: 0 });
    expect(sub(m, 's')).toMatchObject({ backlog: 1, deadLettered: 1 });
  });

  it('an ackId is only good on its own subscription', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 'other', topic: 'x' });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    const r = await pullOne(c, 't');
    await expect(c.call('PubSub.Acknowledge', { subscription: 'other', ackIds: [r.ackId] })).rejects.toMatchObject({ code: 400 });
    await expect(c.call('PubSub.ModifyAckDeadline', { subscription: 'other', ackIds: [r.ackId], ackDeadlineSeconds: 0 })).rejects.toMatchObject({
      code: 400,
    });
    expect(sub(m, 't').inFlight).toBe(1);
  });

  it('the lease deadline of a pull follows the subscription\'s ackDeadlineSeconds, 1 s at the least', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 's', topic: 't', ackDeadlineSeconds: 1 });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    const r = await pullOne(c, 's');
    await waitFor(() => sub(m, 's').backlog === 1, 10_000, 'the 1 s lease to run out');
    expect(sub(m, 's')).toMatchObject({ inFlight: 0 });
    const again = await pullOne(c, 's');
    expect(again.deliveryAttempt).toBe(2);
    await expect(c.call('PubSub.ModifyAckDeadline', { subscription: 's', ackIds: [again.ackId], ackDeadlineSeconds: 601 })).rejects.toMatchObject({
      code: -32602,
    });
    await expect(c.call('PubSub.ModifyAckDeadline', { subscription: 's', ackIds: [r.ackId], ackDeadlineSeconds: 600 })).rejects.toMatchObject({ code: 409 });
    await c.call('PubSub.ModifyAckDeadline', { subscription: 's', ackIds: [again.ackId], ackDeadlineSeconds: 600 });
  });
});
