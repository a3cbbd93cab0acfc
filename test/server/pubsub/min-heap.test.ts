// The time-keyed heap behind lease and expiry timers, including its bulk clean-up.
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../../server/pubsub/min-heap';

function drain(h: MinHeap<number>): number[] {
  const out: number[] = [];
  for (let e = h.pop(); e; e = h.pop()) out.push(e.at);
  return out;
}

describe('MinHeap', () => {
  it('pops in time order', () => {
    const h = new MinHeap<number>();
    const times = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
    for (const at of times) h.push({ at, item: at, stamp: 0 });
    expect(drain(h)).toEqual([...times].sort((a, b) => a - b));
  });

  it('retain keeps exactly the accepted entries, still in time order', () => {
    const h = new MinHeap<number>();
    for (let i = 0; i < 500; i++) h.push({ at: (i * 104729) % 1009, item: i, stamp: 0 });
    h.retain((e) => e.item % 3 === 0);
    expect(h.size).toBe(167);
    const out = drain(h);
    expect(out).toEqual([...out].sort((a, b) => a - b));
    expect(out.length).toBe(167);
  });
});
