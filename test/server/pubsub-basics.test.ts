import { describe, expect, it } from 'vitest';
import { clientOf, startMaster } from '../helpers/master';

describe('pub/sub over the wire', () => {
  it('publishes, pulls and acks through the default subscription', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const { messageIds } = await c.call('PubSub.Publish', { topic: 'ourci/build/docker', messages: [{ data: { args: ['a'] } }] });
    expect(messageIds).toHaveLength(1);
    const { receivedMessages } = await c.call('PubSub.Pull', { subscription: 'ourci/build/docker', waitSeconds: 1 });
    expect(receivedMessages).toHaveLength(1);
    const r = receivedMessages[0]!;
    expect(r.deliveryAttempt).toBe(1);
    expect(r.message.data).toEqual({ args: ['a'] });
    await c.call('PubSub.Acknowledge', { subscription: 'ourci/build/docker', ackIds: [r.ackId] });
    const subs = await c.call('PubSub.ListSubscriptions', {});
    expect(subs.subscriptions[0]).toMatchObject({ name: 'ourci/build/docker', backlog: 0, inFlight: 0 });
  });

  it('a long poll returns as soon as a message is published', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const pulled = c.call('PubSub.Pull', { subscription: 't', waitSeconds: 30 });
    await new Promise((r) => setImmediate(r));
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    const { receivedMessages } = await pulled;
    expect(receivedMessages[0]!.message.data).toBe(1);
  });
});
