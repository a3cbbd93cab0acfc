// Replies of one tick: connections that got a delivery are written before the others.
import { describe, expect, it } from 'vitest';
import { UncorkQueue } from '../../../server/rpc/uncork-queue';

describe('UncorkQueue', () => {
  it('uncorks once at the end of the tick, deliveries first, each group in order', async () => {
    const q = new UncorkQueue();
    const order: string[] = [];
    q.add(() => order.push('confirm-a'), false);
    q.add(() => order.push('delivery-a'), true);
    q.add(() => order.push('confirm-b'), false);
    q.add(() => order.push('delivery-b'), true);
    expect(order).toEqual([]);
    await new Promise((r) => process.nextTick(r));
    expect(order).toEqual(['delivery-a', 'delivery-b', 'confirm-a', 'confirm-b']);
    q.add(() => order.push('next-tick'), false);
    await new Promise((r) => process.nextTick(r));
    expect(order.at(-1)).toBe('next-tick');
  });
});
