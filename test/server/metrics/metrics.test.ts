// GET /metrics follows the queue's state; GET /healthz needs no token.
import { describe, expect, it } from 'vitest';
import type { Master } from '../../../server/master';
import { clientOf, startMaster, waitFor } from '../../helpers/master';
import { request } from '../../helpers/http';
import { waitPullers } from '../../helpers/pubsub-state';

/** Scrapes /metrics into `name{label="v",…}` → value, labels in the order Prometheus prints them. */
async function scrape(m: Master): Promise<Map<string, number>> {
  const r = await request(m.url, '/metrics', { token: m.tokens.viewer });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  const out = new Map<string, number>();
  for (const line of r.text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const perSub = (name: string, sub: string, topic = sub): string => `${name}{subscription="${sub}",topic="${topic}"}`;

describe('metrics', () => {
  it('backlog, in-flight, dead letters and waiting pullers per subscription follow the state', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 's', topic: 't', maxDeliveryAttempts: 1 });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }, { data: 2 }, { data: 3 }] });
    let mx = await scrape(m);
    expect([mx.get(perSub('ourci_pubsub_backlog_messages', 's', 't')), mx.get(perSub('ourci_pubsub_backlog_messages', 't'))]).toEqual([3, 3]);
    expect(mx.get(perSub('ourci_pubsub_inflight_messages', 's', 't'))).toBe(0);

    const got = (await c.call('PubSub.Pull', { subscription: 's', maxMessages: 2, waitSeconds: 0 })).receivedMessages;
    await c.call('PubSub.ModifyAckDeadline', { subscription: 's', ackIds: [got[0]!.ackId], ackDeadlineSeconds: 0 });
    mx = await scrape(m);
    expect(mx.get(perSub('ourci_pubsub_backlog_messages', 's', 't'))).toBe(1);
    expect(mx.get(perSub('ourci_pubsub_inflight_messages', 's', 't'))).toBe(1);
    expect(mx.get(perSub('ourci_pubsub_dead_letter_messages', 's', 't'))).toBe(1);
    expect(mx.get('ourci_pubsub_dropped_total{subscription="s",reason="dead-letter"}')).toBe(1);
    expect(mx.get('ourci_pubsub_dispatch_latency_seconds_count{subscription="s"}')).toBe(2);

    await c.call('PubSub.Acknowledge', { subscription: 's', ackIds: [got[1]!.ackId] });
    const pulling = c.call('PubSub.Pull', { subscription: 'u', waitSeconds: 60 });
    await waitPullers(m, 'u', 1);
    mx = await scrape(m);
    expect(mx.get(perSub('ourci_pubsub_inflight_messages', 's', 't'))).toBe(0);
    expect(mx.get(perSub('ourci_pubsub_waiting_pullers', 'u'))).toBe(1);
    await c.call('PubSub.Publish', { topic: 'u', messages: [{ data: 1 }] });
    await pulling;
    mx = await scrape(m);
    expect(mx.get(perSub('ourci_pubsub_waiting_pullers', 'u'))).toBe(0);
    // A deleted subscription disappears from the gauges.
    await c.call('PubSub.DeleteSubscription', { name: 's' });
    mx = await scrape(m);
    expect(mx.has(perSub('ourci_pubsub_backlog_messages', 's', 't'))).toBe(false);
  });

  it('oldest unacked age grows while a message waits and returns to 0 once it is acked', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    const age = async (): Promise<number> => (await scrape(m)).get(perSub('ourci_pubsub_oldest_unacked_age_seconds', 't'))!;
    await waitFor(async () => (await age()) >= 1, 15_000, 'the age to reach 1 s');
    // Leased still counts as unacked.
    const r = (await c.call('PubSub.Pull', { subscription: 't', waitSeconds: 0 })).receivedMessages[0]!;
    expect(await age()).toBeGreaterThanOrEqual(1);
    await c.call('PubSub.Acknowledge', { subscription: 't', ackIds: [r.ackId] });
    expect(await age()).toBe(0);
  });

  it('counts lease expirations and expired drops', async () => {
    const m = await startMaster();
    const c = await clientOf(m);
    await c.call('PubSub.CreateSubscription', { name: 's', topic: 't', ackDeadlineSeconds: 1 });
    await c.call('PubSub.Publish', { topic: 't', messages: [{ data: 1 }] });
    await c.call('PubSub.Pull', { subscription: 's', waitSeconds: 0 });
    await waitFor(async () => (await scrape(m)).get('ourci_pubsub_lease_expirations_total{subscription="s"}') === 1, 10_000, 'a lease expiration');
    await c.call('PubSub.Publish', { topic: 'x', messages: [{ data: 1, expireTime: Date.now() - 1 }] });
    await waitFor(async () => (await scrape(m)).get('ourci_pubsub_dropped_total{subscription="x",reason="expired"}') === 1, 10_000, 'an expired drop');
  });

  it('counts connected WebSocket clients', async () => {
    const m = await startMaster();
    const conns = async (): Promise<number | undefined> => (await scrape(m)).get('ourci_rpc_connections');
    expect(await conns()).toBe(0);
    const a = await clientOf(m);
    await clientOf(m, 'agent');
    expect(await conns()).toBe(2);
    a.close();
    await waitFor(async () => (await conns()) === 1, 10_000, 'one connection to go');
  });

  it('needs a token; /healthz does not', async () => {
    const m = await startMaster();
    expect((await request(m.url, '/metrics')).status).toBe(401);
    expect((await request(m.url, '/metrics', { token: m.tokens.agent })).status).toBe(200);
    const h = await request(m.url, '/healthz');
    expect([h.status, h.json]).toEqual([200, { ok: true }]);
    expect((await request(m.url, '/healthz', { method: 'HEAD' })).status).toBe(200);
  });
});
