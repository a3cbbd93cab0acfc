import { describe, expect, it } from 'vitest';
import { AppendScheduler } from '../../../server/logs/append-scheduler';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('append scheduler', () => {
  it('runs within the budget at once, then a budget per turn, in arrival order', async () => {
    const s = new AppendScheduler(100);
    const ran: number[] = [];
    const results = [1, 2, 3, 4, 5].map((i) => s.run(60, () => (ran.push(i), i)));
    // Appends run at once while the turn has budget left (the last may overdraw it); the
    // rest wait, and the overdraft is paid by the next turns.
    expect(results.slice(0, 2)).toEqual([1, 2]);
    expect(ran).toEqual([1, 2]);
    expect(s.backlog).toBe(3);
    await turn(); // 120 spent: nothing more this turn, 20 owed
    expect(ran).toEqual([1, 2]);
    await turn(); // 20 + 60 + 60
    expect(ran).toEqual([1, 2, 3, 4]);
    await turn();
    expect(ran).toEqual([1, 2, 3, 4, 5]);
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5]);
    expect(s.backlog).toBe(0);
  });

  it('keeps order behind a backlog and passes errors to their caller', async () => {
    const s = new AppendScheduler(10);
    const ran: string[] = [];
    const a = s.run(10, () => ran.push('a'));
    const b = s.run(1, () => {
      throw new Error('refused');
    });
    const c = s.run(1, () => ran.push('c'));
    expect(a).toBe(1);
    await expect(b).rejects.toThrow('refused');
    await c;
    expect(ran).toEqual(['a', 'c']);
  });
});
