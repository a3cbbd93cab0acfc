// Publish, long-poll pull, ack: the hot path (DESIGN.md §2).
import { describe, expect, it } from 'vitest';
import { clientOf, startMaster, waitFor } from '../../helpers/master';
import { sub, waitPullers } from '../../helpers/pubsub-state';
import { openRaw } from '../../helpers/raw-ws';

describe('publish, pull, acknowledge', () => {
  it('publishes, pulls and acks through the default subscription', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const before = Date.now();
    const { messageIds } = await c.call('PubSub.Publish', {
      topic: 'ourci/build/docker',
      messages: [{ data: { args: ['a'] }, attributes: { k: 'v' } }],
    });
    expect(messageIds).toHaveLength(1);
    const { receivedMessages } = await c.call('PubSub.Pull', { subscription: 'ourci/build/docker', waitSeconds: 1 });
    expect(receivedMessages).toHaveLength(1);
    const r = receivedMessages[0]!;
    expect(r).toMatchObject({ subscription: 'ourci/build/docker', deliveryAttempt: 1, ackId: expect.any(String) });
    expect(r.message).toMatchObject({ messageId: messageIds[0], data: { args: ['a'] }, attributes: { k: 'v' } });
    expect(Date.parse(r.message.publishTime)).toBeGreaterThanOrEqual(before - 1000);
    expect(r.message.expireTime).toBeUndefined();
    expect(sub(m, 'ourci/build/docker')).toMatchObject({ backlog: 0, inFlight: 1 });
    expect(await c.call('PubSub.Acknowledge', { subscription: 'ourci/build/docker', ackIds: [r.ackId] })).toEqual({ acknowledged: 1 });
    expect(sub(m, 'ourci/build/docker')).toMatchObject({ backlog: 0, inFlight: 0, deadLettered: 0 });
    expect((await c.call('PubSub.Pull', { subscription: 'ourci/build/docker', waitSeconds: 0 })).receivedMessages).toEqual([]);
  });

  it('any JSON is data; publish order is delivery order; maxMessages caps a pull', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const data = [null, 0, 'ü\u{1F600}', [1, [2]], { a: { b: true } }, 1e300, -5];
    await c.call('PubSub.Publish', { topic: 't', messages: data.map((d) => ({ data: d })) });
    // `data` is required (null is fine).
    await expect(c.call('PubSub.Publish', { topic: 't', messages: [{} as never] })).rejects.toMatchObject({ code: -32602 });
    const first = await c.call('PubSub.Pull', { subscription: 't', maxMessages: 3, waitSeconds: 0 });
    expect(first.receivedMessages.map((r) => r.message.data)).toEqual(data.slice(0, 3));
    const rest = await c.call('PubSub.Pull', { subscription: 't', maxMessages: 100, waitSeconds: 0 });
    expect(rest.receivedMessages.map((r) => r.message.data)).toEqual(data.slice(3));
  });

  it('a long poll returns as soon as a message is published', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateTopic', { name: 't' });
    const pulled = c.call('PubSub.Pull', { subscription: 't', waitSeconds: 60 });
    await waitPullers(m, 't', 1);
    const t0 = Date.now();
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    const { receivedMessages } = await pulled;
    expect(receivedMessages[0]!.message.data).toBe(1);
    // Far below waitSeconds: the publish served the waiter directly (loose bound for a busy machine).
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(sub(m, 't')).toMatchObject({ waitingPullers: 0, inFlight: 1 });
  });

  it('a long poll times out empty after waitSeconds; waitSeconds 0 answers at once', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    const t0 = Date.now();
    const r = await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0.4 });
    expect(r.receivedMessages).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    expect(sub(m, 't').waitingPullers).toBe(0);
    expect((await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).receivedMessages).toEqual([]);
  });

  it('waiting pullers are served first come, first served', async () => {
    const m = await startMaster();
    const pub = await clientOf(m);
    await pub.call('PubSub.CreateTopic', { name: 't' });
    const clients = await Promise.all([1, 2, 3, 4].map(() => clientOf(m, 'agent')));
    const pulls: Array<Promise<unknown>> = [];
    for (const [i, c] of clients.entries()) {
      pulls.push(c.call('PubSub.Pull', { subscription: 't', waitSeconds: 60 }));
      await waitPullers(m, 't', i + 1);
    }
    // One at a time, then two in one publish: each goes to the longest-waiting puller.
    await pub.call('PubSub.Publish', { topic: 't', messages: [{ data: 'm1' }] });
    await pub.call('PubSub.Publish', { topic: 't', messages: [{ data: 'm2' }] });
    await pub.call('PubSub.Publish', { topic: 't', messages: [{ data: 'm3' }, { data: 'm4' }] });
    const got = (await Promise.all(pulls)) as Array<{ receivedMessages: Array<{ message: { data: unknown } }> }>;
    expect(got.map((g) => g.receivedMessages.map((r) => r.message.data))).toEqual([['m1'], ['m2'], ['m3'], ['m4']]);
  });

  it('a waiting puller with maxMessages > 1 takes what one publish brings', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateTopic', { name: 't' });
    const pulled = c.call('PubSub.Pull', { subscription: 't', waitSeconds: 60, maxMessages: 10 });
    await waitPullers(m, 't', 1);
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }, { data: 2 }, { data: 3 }] });
    expect((await pulled).receivedMessages.map((r) => r.message.data)).toEqual([1, 2, 3]);
  });

  it('pulls from several subscriptions at once', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateTopic', { name: 'a' });
    await c.call('PubSub.CreateTopic', { name: 'b' });
    const pulled = c.call('PubSub.Pull', { subscriptions: ['a', 'b'], waitSeconds: 60 });
    await waitPullers(m, 'b', 1);
    expect(sub(m, 'a').waitingPullers).toBe(1);
    await c.call('PubSub.Publish', { topic: 'b', messages: [{ data: 'from b' }] });
    const r = (await pulled).receivedMessages;
    expect(r).toEqual([expect.objectContaining({ subscription: 'b', message: expect.objectContaining({ data: 'from b' }) })]);
    // The served waiter left both queues.
    expect([sub(m, 'a').waitingPullers, sub(m, 'b').waitingPullers]).toEqual([0, 0]);
    await c.call('PubSub.Publish', { topic: 'a', messages: [{ data: 1 }] });
    await c.call('PubSub.Publish', { topic: 'b', messages: [{ data: 2 }] });
    const both = await c.call('PubSub.Pull', { subscriptions: ['a', 'b'], maxMessages: 10, waitSeconds: 0 });
    expect(both.receivedMessages.map((x) => `${x.subscription}:${String(x.message.data)}`).sort()).toEqual(['a:1', 'b:2']);
    // Acks name the subscription each delivery came from.
    await c.call('PubSub.Acknowledge', { subscription: 'a', ackIds: both.receivedMessages.filter((x) => x.subscription === 'a').map((x) => x.ackId) });
    await expect(
      c.call('PubSub.Acknowledge', { subscription: 'a', ackIds: both.receivedMessages.filter((x) => x.subscription === 'b').map((x) => x.ackId) }),
    ).rejects.toMatchObject({ code: 400 });
    expect(sub(m, 'b').inFlight).toBe(2);
    await expect(c.call('PubSub.Pull', { waitSeconds: 0 } as never)).rejects.toMatchObject({ code: -32602 });
  });

  it('a pull acknowledges earlier deliveries with ackIds and lists the refused ones in lostAckIds', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }, { data: 2 }] });
    const first = (await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).receivedMessages[0]!;
    const second = await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0, ackIds: [first.ackId] });
    expect(second.lostAckIds).toBeUndefined();
    expect(second.receivedMessages.map((r) => r.message.data)).toEqual([2]);
    expect(sub(m, 't')).toMatchObject({ inFlight: 1, backlog: 0 });
    // Repeating an ack of the same delivery is not a loss; an unknown ackId is.
    const third = await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0, ackIds: [first.ackId, 'no-such-ack', second.receivedMessages[0]!.ackId] });
    expect(third).toEqual({ receivedMessages: [], lostAckIds: ['no-such-ack'] });
    expect(sub(m, 't')).toMatchObject({ inFlight: 0, backlog: 0 });
  });

  it('a pull whose WebSocket closes leases nothing to the dead connection', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateTopic', { name: 't' });
    const raw = await openRaw(m.url, { token: m.tokens.agent });
    raw.send({ id: 1, method: 'PubSub.Pull', params: { subscription: 't', waitSeconds: 60 } });
    await waitPullers(m, 't', 1);
    raw.ws.terminate();
    await waitPullers(m, 't', 0);
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'x' }] });
    const r = await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 });
    expect(r.receivedMessages).toEqual([expect.objectContaining({ deliveryAttempt: 1 })]);
  });

  it('an HTTP long poll whose client goes away leases nothing either', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateTopic', { name: 't' });
    const abort = new AbortController();
    const req = fetch(`${m.url}/rpc/PubSub.Pull`, {
      method: 'POST',
      headers: { authorization: `Bearer ${m.tokens.agent}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subscription: 't', waitSeconds: 60 }),
      signal: abort.signal,
    }).catch((e: unknown) => e);
    await waitPullers(m, 't', 1);
    abort.abort();
    await req;
    await waitPullers(m, 't', 0);
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 'x' }] });
    expect((await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).receivedMessages).toHaveLength(1);
  });

  it('closing the master ends waiting pulls empty', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateTopic', { name: 't' });
    const pulled = c.call('PubSub.Pull', { subscription: 't', waitSeconds: 60 }).catch((e: unknown) => e);
    await waitPullers(m, 't', 1);
    await m.close();
    const r = await pulled;
    // Either the empty answer made it out before the socket closed, or the client saw the connection drop.
    expect(r).toSatisfy((x: unknown) => JSON.stringify(x) === '{"receivedMessages":[]}' || (x as { code?: number }).code === 503);
    await waitFor(() => c.state !== 'open');
  });
});

describe('a Pull sent as a notification', () => {
  it('leases nothing (nobody would receive it) but still acks its ackIds', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }, { data: 2 }] });
    const r = (await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).receivedMessages[0]!;
    const raw = await openRaw(m.url, { token: m.tokens.agent });
    raw.send({ method: 'PubSub.Pull', params: { subscription: 't', waitSeconds: 0, ackIds: [r.ackId] } });
    raw.send({ method: 'PubSub.Pull', params: { subscription: 't', waitSeconds: 30 } });
    await raw.request({ id: 'barrier', method: 'RPC.Ping' });
    expect(sub(m, 't')).toMatchObject({ backlog: 1, inFlight: 0, waitingPullers: 0 });
    expect(raw.received.map((f) => f.id)).toEqual(['barrier']);
  });
});
