// The bounded memory of acknowledged deliveries behind idempotent acks.
import { describe, expect, it } from 'vitest';
import { RecentAcks } from '../../../server/pubsub/recent-acks';

describe('RecentAcks', () => {
  it('remembers exactly the acked ackIds, the oldest leaving first', () => {
    const r = new RecentAcks(3);
    r.add(1, 10, '1.10.1.ab');
    r.add(1, 11, '1.11.2.ab');
    r.add(2, 10, '2.10.1.ab');
    expect(r.has('1.10.1.ab')).toBe(true);
    expect(r.has('1.10.2.ab')).toBe(false); // another delivery of the same message
    expect(r.has('2.10.1.cd')).toBe(false); // another master process
    r.add(2, 12, '2.12.1.ab');
    expect(r.has('1.10.1.ab')).toBe(false);
    expect(r.has('1.11.2.ab')).toBe(true);
    expect(r.has('2.12.1.ab')).toBe(true);
  });

  it('treats malformed ackIds as unknown and forgets deleted subscriptions', () => {
    const r = new RecentAcks(10);
    r.add(7, 1, '7.1.1.ab');
    for (const bad of ['', '.', '7', '7.', '.1.1', 'x.y.z', '7.1']) expect(r.has(bad)).toBe(false);
    r.dropSubscription(7);
    expect(r.has('7.1.1.ab')).toBe(false);
    for (let i = 0; i < 20; i++) r.add(8, i, `8.${i}.1.ab`); // evicting entries of the dropped subscription is harmless
    expect(r.has('8.19.1.ab')).toBe(true);
  });
});
