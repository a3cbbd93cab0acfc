// The pull Subscriber against a real master: one handler call at a time, acks on the next
// Pull, prefetch as flow control (never more leased than 1 + prefetch), nack and close.
import { describe, expect, it } from 'vitest';
import { Subscriber, type ReceivedMessage } from '../../src/client/subscriber';
import { connectMaster } from '../../src/client/master-client';
import { clientOf, startMaster, tempDir, waitFor } from '../helpers/master';

async function setup(messages: number) {
  const m = await startMaster();
  const admin = await clientOf(m, 'admin');
  const agent = await clientOf(m, 'agent');
  await admin.call('PubSub.CreateSubscription', { name: 'work', topic: 'work' });
  if (messages > 0) {
    await admin.call('PubSub.Publish', { topic: 'work', messages: Array.from({ length: messages }, (_, i) => ({ data: { i } })) });
  }
  const sub = () => m.pubsub.listSubscriptions().find((s) => s.name === 'work')!;
  return { m, admin, agent, sub };
}

describe('Subscriber', () => {
  it('prefetch 0: handles every message once, in order, with never more than one leased', async () => {
    const { agent, sub } = await setup(30);
    const seen: number[] = [];
    let maxLeased = 0;
    let running = 0;
    const s = new Subscriber(agent, 'work', (msg) => {
      expect(++running).toBe(1);
      maxLeased = Math.max(maxLeased, sub().inFlight);
      seen.push((msg.message.data as { i: number }).i);
      running--;
    });
    s.start();
    await waitFor(() => seen.length === 30);
    await s.close();
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(maxLeased).toBe(1);
    await waitFor(() => sub().inFlight === 0 && sub().backlog === 0, 5000, 'every message acknowledged');
  });

  it('prefetch 1: the next message is leased while the handler runs, never a third', async () => {
    const { agent, sub } = await setup(10);
    const releases: Array<() => void> = [];
    const seen: number[] = [];
    let maxLeased = 0;
    const s = new Subscriber(
      agent,
      'work',
      (msg) =>
        new Promise<void>((resolve) => {
          seen.push((msg.message.data as { i: number }).i);
          releases.push(resolve);
        }),
      { prefetch: 1 },
    );
    s.start();
    for (let n = 1; n <= 10; n++) {
      await waitFor(() => releases.length === n, 5000, `message ${n} in the handler`);
      // The handler holds message n; the subscriber has the next one leased, not more.
      if (n < 10) await waitFor(() => sub().inFlight === 2, 5000, 'the prefetched message leased');
      maxLeased = Math.max(maxLeased, sub().inFlight);
      releases[n - 1]!();
    }
    await waitFor(() => sub().inFlight === 0 && sub().backlog === 0, 5000, 'every message acknowledged');
    await s.close();
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(maxLeased).toBe(2);
  });

  it('a handler that says nack or throws gets the message again at once, with the next deliveryAttempt', async () => {
    const { agent, sub } = await setup(1);
    const attempts: number[] = [];
    const s = new Subscriber(agent, 'work', (msg: ReceivedMessage) => {
      attempts.push(msg.deliveryAttempt);
      if (msg.deliveryAttempt === 1) return 'nack';
      if (msg.deliveryAttempt === 2) throw new Error('handler failed');
      return 'ack';
    });
    s.start();
    await waitFor(() => attempts.length === 3, 10_000, 'three deliveries');
    await waitFor(() => sub().inFlight === 0 && sub().backlog === 0, 5000, 'acknowledged at the third attempt');
    await s.close();
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('close acknowledges what was handled and gives back what was prefetched but never handled', async () => {
    const { agent, sub } = await setup(3);
    let handled = 0;
    let hold: (() => void) | null = null;
    const s = new Subscriber(
      agent,
      'work',
      () => {
        handled++;
        // The second message stays in the handler; the third is prefetched behind it.
        if (handled === 2) return new Promise<void>((resolve) => (hold = resolve));
      },
      { prefetch: 1 },
    );
    s.start();
    await waitFor(() => handled === 2 && sub().inFlight === 2, 5000, 'second in the handler, third prefetched');
    await s.close();
    // The first was acked (it rode on a Pull); the third is back in the backlog; the second
    // stays leased to the handler that still runs, and is acked when it ends.
    await waitFor(() => sub().backlog === 1 && sub().inFlight === 1, 5000, 'the prefetched message given back');
    (hold as (() => void) | null)?.();
    await waitFor(() => sub().backlog === 1 && sub().inFlight === 0, 5000, 'the handled message acknowledged after close');
  });

  it('stops, and says so, when the master refuses the pull for good (a retry cannot fix that)', async () => {
    const { agent } = await setup(0);
    const errors: Array<{ code: unknown; stopped: boolean }> = [];
    const s = new Subscriber(agent, 'not a valid name!', () => undefined, {
      onError: (err, stopped) => errors.push({ code: (err as { code?: unknown }).code, stopped }),
      retryMs: 20,
    });
    s.start();
    await waitFor(() => errors.length > 0, 5000, 'the error');
    expect(errors[0]).toEqual({ code: -32602, stopped: true }); // invalid params
    expect(s.active).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(errors).toHaveLength(1); // no retry loop
  });

  it('rides out a master restart: keeps pulling after it, nothing handled twice', async () => {
    const dataDir = tempDir();
    let m = await startMaster({ dataDir });
    const port = m.port;
    const admin = connectMaster(m.url, m.tokens.admin, { minBackoffMs: 20, maxBackoffMs: 200 });
    const agent = connectMaster(m.url, m.tokens.agent, { minBackoffMs: 20, maxBackoffMs: 200 });
    try {
      await Promise.all([admin.ready(), agent.ready()]);
      await admin.call('PubSub.CreateSubscription', { name: 'work', topic: 'work' });
      const seen: number[] = [];
      const s = new Subscriber(agent, 'work', (msg) => void seen.push((msg.message.data as { i: number }).i), {
        prefetch: 1,
        retryMs: 20,
        onError: () => undefined,
      });
      s.start();
      await admin.call('PubSub.Publish', { topic: 'work', messages: [{ data: { i: 0 } }] });
      await waitFor(() => seen.length === 1, 5000, 'the first message');
      await m.close();
      m = await startMaster({ dataDir, port });
      const messages = [{ data: { i: 1 } }, { data: { i: 2 } }];
      await admin.call('PubSub.Publish', { topic: 'work', messages }, { retry: true, timeoutMs: 30_000 });
      await waitFor(() => seen.length === 3, 15_000, 'the messages published after the restart');
      expect(s.active).toBe(true);
      await s.close();
      expect(seen).toEqual([0, 1, 2]);
    } finally {
      admin.close();
      agent.close();
    }
  });

  it('a message that a waiting pull brings after close goes back to the queue at once', async () => {
    const { admin, agent, sub } = await setup(0);
    const s = new Subscriber(agent, 'work', () => undefined, { prefetch: 1 });
    s.start();
    await waitFor(() => sub().waitingPullers === 2, 5000, 'both pulls waiting at the master');
    await s.close();
    await admin.call('PubSub.Publish', { topic: 'work', messages: [{ data: { late: true } }] });
    // Leased to a closed subscriber's pull, then given back: ready again, long before its deadline.
    await waitFor(() => sub().backlog === 1 && sub().inFlight === 0, 5000, 'the late message back in the backlog');
  });
});
