// Topics and subscriptions: default subscription, idempotent creation, settings bounds, fan-out.
import { describe, expect, it } from 'vitest';
import { clientOf, startMaster } from '../../helpers/master';
import { snapshot, sub } from '../../helpers/pubsub-state';

describe('topics and subscriptions', () => {
  it('a topic comes with a default subscription of its own name, created once', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    expect(await c.call('PubSub.CreateTopic', { name: 'ourci/build/docker' })).toEqual({ name: 'ourci/build/docker', created: true });
    expect(await c.call('PubSub.CreateTopic', { name: 'ourci/build/docker' })).toEqual({ name: 'ourci/build/docker', created: false });
    const { topics } = await c.call('PubSub.ListTopics', {});
    expect(topics).toEqual([{ name: 'ourci/build/docker', subscriptions: ['ourci/build/docker'], createdAt: expect.any(String) }]);
    expect(sub(m, 'ourci/build/docker')).toMatchObject({ topic: 'ourci/build/docker', ackDeadlineSeconds: 60, maxDeliveryAttempts: 5, retentionSeconds: 7 * 24 * 3600 });
  });

  it('publishing or pulling creates the topic on first use', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.Publish', { topic: 'a', messages: [{ data: 1 }] });
    await c.call('PubSub.Pull', { subscription: 'b', waitSeconds: 0 });
    const { topics } = await c.call('PubSub.ListTopics', {});
    expect(topics.map((t) => t.name).sort()).toEqual(['a', 'b']);
    expect(sub(m, 'a').backlog).toBe(1);
  });

  it('CreateSubscription is idempotent with the same settings and 409 with others, changing nothing', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const first = await c.call('PubSub.CreateSubscription', { name: 's', topic: 't', ackDeadlineSeconds: 5, maxDeliveryAttempts: 3 });
    expect(first.created).toBe(true);
    expect(first.subscription).toMatchObject({ name: 's', topic: 't', ackDeadlineSeconds: 5, maxDeliveryAttempts: 3 });
    const again = await c.call('PubSub.CreateSubscription', { name: 's', topic: 't', ackDeadlineSeconds: 5, maxDeliveryAttempts: 3 });
    expect(again.created).toBe(false);
    // Omitted settings mean "whatever it has".
    expect((await c.call('PubSub.CreateSubscription', { name: 's', topic: 't' })).created).toBe(false);
    const before = snapshot(m);
    for (const other of [
      { ackDeadlineSeconds: 6 },
      { maxDeliveryAttempts: 4 },
      { retentionSeconds: 3600 },
      { topic: 'u' },
    ]) {
      await expect(c.call('PubSub.CreateSubscription', { name: 's', topic: 't', ...other })).rejects.toMatchObject({ code: 409 });
    }
    expect(snapshot(m)).toEqual(before);
  });

  it('a subscription named like its topic replaces the default one with the given settings', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const r = await c.call('PubSub.CreateSubscription', { name: 't', topic: 't', ackDeadlineSeconds: 7 });
    expect(r).toMatchObject({ created: true, subscription: { name: 't', ackDeadlineSeconds: 7 } });
    expect(m.pubsub.listSubscriptions()).toHaveLength(1);
  });

  it('every subscription of a topic gets its own copy; a new one starts empty', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 'audit', topic: 't' });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'x' }, { data: 'y' }] });
    await c.call('PubSub.CreateSubscription', { name: 'late', topic: 't' });
    expect([sub(m, 't').backlog, sub(m, 'audit').backlog, sub(m, 'late').backlog]).toEqual([2, 2, 0]);
    const a = await c.call('PubSub.Pull', { subscription: 't', maxMessages: 10, waitSeconds: 0 });
    await c.call('PubSub.Acknowledge', { subscription: 't', ackIds: a.receivedMessages.map((r) => r.ackId) });
    const b = await c.call('PubSub.Pull', { subscription: 'audit', maxMessages: 10, waitSeconds: 0 });
    expect(b.receivedMessages.map((r) => r.message.data)).toEqual(['x', 'y']);
    expect(b.receivedMessages.map((r) => r.message.messageId)).toEqual(a.receivedMessages.map((r) => r.message.messageId));
  });

  it('ackDeadlineSeconds must be an integer from 1 to 600 everywhere it is set', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    for (const bad of [0, 601, 1.5, -1, '10', null]) {
      const err = await c
        .call('PubSub.CreateSubscription', { name: 's', topic: 't', ackDeadlineSeconds: bad as number })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: -32602, data: { issues: [expect.objectContaining({ path: ['ackDeadlineSeconds'] })] } });
    }
    expect(m.pubsub.listSubscriptions()).toHaveLength(0);
    await c.call('PubSub.CreateSubscription', { name: 'lo', topic: 't', ackDeadlineSeconds: 1 });
    await c.call('PubSub.CreateSubscription', { name: 'hi', topic: 't', ackDeadlineSeconds: 600 });
    await expect(c.call('PubSub.UpdateSubscription', { name: 'lo', ackDeadlineSeconds: 601 })).rejects.toMatchObject({ code: -32602 });
    expect((await c.call('PubSub.UpdateSubscription', { name: 'lo', ackDeadlineSeconds: 2 })).subscription.ackDeadlineSeconds).toBe(2);
    await expect(c.call('PubSub.UpdateSubscription', { name: 'nope', ackDeadlineSeconds: 2 })).rejects.toMatchObject({ code: 404 });
  });

  it('names follow [A-Za-z0-9._~+%/-]{1,255}; anything else is -32602 and creates nothing', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    for (const bad of ['', 'a b', 'ü', 'x'.repeat(256), 'a\nb', 'a:b']) {
      await expect(c.call('PubSub.CreateTopic', { name: bad })).rejects.toMatchObject({ code: -32602 });
      await expect(c.call('PubSub.Publish', { topic: bad, messages: [{ data: 1 }] })).rejects.toMatchObject({ code: -32602 });
      await expect(c.call('PubSub.Pull', { subscription: bad, waitSeconds: 0 })).rejects.toMatchObject({ code: -32602 });
    }
    expect(m.pubsub.listTopics()).toEqual([]);
    for (const good of ['x'.repeat(255), 'A-z_0.9~+%/x', 'ourci/test/esp-12e']) {
      expect((await c.call('PubSub.CreateTopic', { name: good })).created).toBe(true);
    }
  });

  it('deleting a subscription or a topic removes its messages, and the topic\'s subscriptions', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 'other', topic: 't' });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    expect(await c.call('PubSub.DeleteSubscription', { name: 'other' })).toEqual({ deleted: true });
    expect(await c.call('PubSub.DeleteSubscription', { name: 'other' })).toEqual({ deleted: false });
    expect(sub(m, 't').backlog).toBe(1);
    expect(await c.call('PubSub.DeleteTopic', { name: 't' })).toEqual({ deleted: true });
    expect(m.pubsub.listSubscriptions()).toEqual([]);
    expect(m.pubsub.listTopics()).toEqual([]);
  });

  it('publishes 1 to 1000 messages per call; 0 or 1001 is -32602 and publishes nothing', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await expect(c.call('PubSub.Publish', { topic: 't', messages: [] })).rejects.toMatchObject({ code: -32602 });
    const many = Array.from({ length: 1001 }, (_, i) => ({ data: i }));
    await expect(c.call('PubSub.Publish', { topic: 't', messages: many })).rejects.toMatchObject({ code: -32602 });
    expect(m.pubsub.listTopics()).toEqual([]);
    const r = await c.call('PubSub.Publish', { topic: 't', messages: many.slice(0, 1000) });
    expect(new Set(r.messageIds).size).toBe(1000);
    expect(sub(m, 't').backlog).toBe(1000);
  });
});

describe('a topic without its default subscription', () => {
  it('refuses a pull on that name with 404 instead of failing, and the refused pull acks nothing', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 'other', topic: 't' });
    await c.call('PubSub.DeleteSubscription', { name: 't' });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    const r = (await c.call('PubSub.Pull', { subscription: 'other', waitSeconds: 0 })).receivedMessages[0]!;
    const before = snapshot(m);
    await expect(c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).rejects.toMatchObject({ code: 404 });
    await expect(c.call('PubSub.Pull', { subscriptions: ['fresh', 't'], waitSeconds: 0, ackIds: [r.ackId] })).rejects.toMatchObject({ code: 404 });
    expect(snapshot(m)).toEqual(before);
    // Recreating it explicitly works.
    expect((await c.call('PubSub.CreateSubscription', { name: 't', topic: 't' })).created).toBe(true);
    expect((await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).receivedMessages).toEqual([]);
  });

  it('refuses message data nested deeper than 100 levels with -32602, publishing none of the batch', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    let deep: unknown = 1;
    for (let i = 0; i < 101; i++) deep = [deep];
    const err = await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'ok' }, { data: deep }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: -32602, data: { issues: [expect.objectContaining({ path: ['messages', '1', 'data'] })] } });
    expect(m.pubsub.listTopics()).toEqual([]);
    let fits: unknown = 1;
    for (let i = 0; i < 100; i++) fits = { a: fits };
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: fits }] });
    expect((await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).receivedMessages[0]!.message.data).toEqual(fits);
  });
});
