// What leaves a subscription without an ack: dead letters (and their requeue), expireTime.
import { afterEach, describe, expect, it } from 'vitest';
import type { MasterClient } from '../../../src/client/master-client';
import { clientOf, startMaster, waitFor } from '../../helpers/master';
import { pullOne, sub, waitPullers } from '../../helpers/pubsub-state';

async function nackUntilDead(c: MasterClient, subscription: string, attempts: number): Promise<string> {
  let id = '';
  for (let i = 1; i <= attempts; i++) {
    const r = await pullOne(c, subscription);
    expect(r.deliveryAttempt).toBe(i);
    id = r.message.messageId;
    await c.call('PubSub.ModifyAckDeadline', { subscription, ackIds: [r.ackId], ackDeadlineSeconds: 0 });
  }
  return id;
}

describe('dead letters', () => {
  it('after maxDeliveryAttempts a message is dead-lettered; Requeue gives it a fresh budget', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 's', topic: 't', maxDeliveryAttempts: 2 });
    const { messageIds } = await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'poison', attributes: { a: '1' } }] });
    expect(await nackUntilDead(c, 's', 2)).toBe(messageIds[0]);
    expect(sub(m, 's')).toMatchObject({ backlog: 0, inFlight: 0, deadLettered: 1 });
    expect((await c.call('PubSub.Pull', { subscription: 's', waitSeconds: 0 })).receivedMessages).toEqual([]);
    const { messages } = await c.call('PubSub.ListDeadLetters', { subscription: 's' });
    expect(messages).toEqual([
      expect.objectContaining({ messageId: messageIds[0], data: 'poison', attributes: { a: '1' }, deliveryAttempt: 2, deadLetteredAt: expect.any(String) }),
    ]);

    expect(await c.call('PubSub.Requeue', { subscription: 's', messageIds: [messageIds[0]!, '999', 'nope'] })).toEqual({ requeued: 1 });
    expect(sub(m, 's')).toMatchObject({ backlog: 1, deadLettered: 0 });
    expect((await c.call('PubSub.ListDeadLetters', { subscription: 's' })).messages).toEqual([]);
    // Requeueing again is a no-op: it is not dead any more.
    expect(await c.call('PubSub.Requeue', { subscription: 's', messageIds: [messageIds[0]!] })).toEqual({ requeued: 0 });
    // A fresh budget: two more deliveries before it is dead again.
    await nackUntilDead(c, 's', 2);
    expect(sub(m, 's')).toMatchObject({ backlog: 0, deadLettered: 1 });
  });

  it('a requeued dead letter wakes a waiting puller', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 's', topic: 't', maxDeliveryAttempts: 1 });
    const { messageIds } = await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    await nackUntilDead(c, 's', 1);
    const waiting = c.call('PubSub.Pull', { subscription: 's', waitSeconds: 60 });
    await waitPullers(m, 's', 1);
    await c.call('PubSub.Requeue', { subscription: 's', messageIds });
    expect((await waiting).receivedMessages).toEqual([expect.objectContaining({ deliveryAttempt: 1 })]);
  });

  it('a lease that runs out on the last attempt dead-letters the message', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 's', topic: 't', maxDeliveryAttempts: 1, ackDeadlineSeconds: 1 });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    const r = await pullOne(c, 's');
    await waitFor(() => sub(m, 's').deadLettered === 1, 10_000, 'dead letter');
    expect(sub(m, 's')).toMatchObject({ inFlight: 0, backlog: 0 });
    await expect(c.call('PubSub.Acknowledge', { subscription: 's', ackIds: [r.ackId] })).rejects.toMatchObject({ code: 409 });
  });

  it('dead letters of an unknown subscription are 404, and only viewers and up may list them', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await expect(c.call('PubSub.ListDeadLetters', { subscription: 'nope' })).rejects.toMatchObject({ code: 404 });
    await expect(c.call('PubSub.Requeue', { subscription: 'nope', messageIds: ['1'] })).rejects.toMatchObject({ code: 404 });
    const agent = await clientOf(m, 'agent');
    await c.call('PubSub.CreateTopic', { name: 't' });
    await expect(agent.call('PubSub.Requeue', { subscription: 't', messageIds: ['1'] })).rejects.toMatchObject({ code: 403 });
    expect(await agent.call('PubSub.ListDeadLetters', { subscription: 't', limit: 5 })).toEqual({ messages: [] });
  });
});

describe('expireTime', () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  afterEach(() => {
    warnings.length = 0;
  });

  it('a message past its expireTime is never delivered, not even to a waiting puller', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateTopic', { name: 't' });
    const waiting = c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0.5 });
    await waitPullers(m, 't', 1);
    await c.call('PubSub.Publish', {
      topic: 't',
      messages: [{ data: 'stale', expireTime: Date.now() - 1000 }, { data: 'old', expireTime: '2001-01-01T00:00:00Z' }],
    });
    expect((await waiting).receivedMessages).toEqual([]);
    expect(sub(m, 't')).toMatchObject({ backlog: 0, inFlight: 0, deadLettered: 0 });
  });

  it('a message waiting in the backlog is dropped when its expireTime passes', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const expireTime = new Date(Date.now() + 300).toISOString();
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'x', expireTime }, { data: 'keep' }] });
    await waitFor(() => sub(m, 't').backlog === 1, 10_000, 'the expired message to be dropped');
    const all = await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0, maxMessages: 10 });
    expect(all.receivedMessages.map((r) => r.message.data)).toEqual(['keep']);
  });

  it('a leased message that expires is dropped when its lease ends, not redelivered', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const expireAt = Date.now() + 3000;
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'x', expireTime: expireAt }] });
    const r = await pullOne(c, 't');
    expect(Date.parse(r.message.expireTime!)).toBe(expireAt);
    await waitFor(() => Date.now() > expireAt + 20, 10_000, 'expireTime to pass');
    // Still leased: the holder may finish it.
    expect(sub(m, 't').inFlight).toBe(1);
    await c.call('PubSub.ModifyAckDeadline', { subscription: 't', ackIds: [r.ackId], ackDeadlineSeconds: 0 });
    expect(sub(m, 't')).toMatchObject({ backlog: 0, inFlight: 0, deadLettered: 0 });
  });

  it('a far-future expireTime neither spins a timer nor breaks delivery', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const far = Date.now() + 40 * 24 * 3600 * 1000; // beyond setTimeout's 24.8-day range
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'far', expireTime: far }] });
    await c.call('RPC.Ping', {});
    expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
    expect(sub(m, 't').backlog).toBe(1);
    const r = await pullOne(c, 't');
    expect(Date.parse(r.message.expireTime!)).toBe(far);
  });

  it('an expireTime beyond what a date can hold is refused with -32602', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    for (const expireTime of [9e15, Number.MAX_SAFE_INTEGER, -1, 1.5, 'tomorrow', '2024-13-01T00:00:00Z']) {
      await expect(c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1, expireTime: expireTime as number }] })).rejects.toMatchObject({
        code: -32602,
      });
    }
    expect(m.pubsub.listTopics()).toEqual([]);
  });
});
