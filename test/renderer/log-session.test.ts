// Loading a log: tail first, gaps on demand, live chunks, catch-up after a missed chunk.
import { describe, expect, it } from 'vitest';
import { LogSession, type LogReadResult } from '../../src/renderer/lib/log/log-session';

/** A reader over an in-memory ASCII log, shaped like Log.Read. */
function reader(log: { text: string; done: boolean }, calls: Array<[number, number]> = []) {
  return async (offset: number, limit: number): Promise<LogReadResult> => {
    calls.push([offset, limit]);
    const from = offset < 0 ? Math.max(0, log.text.length + offset) : Math.min(offset, log.text.length);
    const data = log.text.slice(from, from + limit);
    return { offset: from, nextOffset: from + data.length, length: log.text.length, data, complete: log.done };
  };
}

const lines = (n: number): string => Array.from({ length: n }, (_, i) => `line ${String(i).padStart(6, '0')}`).join('\n') + '\n';

describe('LogSession', () => {
  it('opens with the tail only, then loads the gap above on demand', async () => {
    const log = { text: lines(100_000), done: true };
    const calls: Array<[number, number]> = [];
    const s = new LogSession(reader(log, calls));
    await s.open(64 * 1024);
    expect(calls).toEqual([[-65536, 65536]]);
    expect(s.doc.loadedBytes).toBe(65536);
    expect(s.doc.size).toBe(log.text.length);
    expect(s.complete).toBe(true);
    const gap = s.doc.gaps()[0]!;
    expect(gap.from).toBe(0);
    await s.loadGap(gap, 'end', 128 * 1024);
    expect(s.doc.loadedBytes).toBe(65536 + 128 * 1024);
    await s.loadGap(s.doc.gaps()[0]!, 'start', 64);
    expect(s.doc.row(0)).toMatchObject({ kind: 'line', text: 'line 000000' });
  });

  it('queues live chunks that arrive while the tail loads, and catches up after a missed one', async () => {
    const log = { text: 'a\nb\n', done: false };
    const s = new LogSession(reader(log));
    const opening = s.open();
    log.text += 'c\n';
    s.chunk(4, 'c\n'); // arrives before the read answers
    await opening;
    expect(s.doc.end).toBe(6);
    log.text += 'd\ne\n';
    s.chunk(8, 'e\n'); // 'd\n' was missed (e.g. during a reconnect)
    await new Promise((r) => setTimeout(r, 0));
    await s.catchUp();
    const texts = Array.from({ length: s.doc.rowCount }, (_, i) => (s.doc.row(i) as { text: string }).text);
    expect(texts).toEqual(['a', 'b', 'c', 'd', 'e']);
    log.done = true;
    await s.finish();
    expect(s.complete).toBe(true);
  });

  it('reports a failed read instead of throwing', async () => {
    const s = new LogSession(async () => {
      throw new Error('no task 9');
    });
    await s.open();
    expect(s.error).toBe('no task 9');
    expect(s.opened).toBe(false);
  });

  it('closes gaps that end inside a UTF-8 character, and stops asking when a read brings nothing', async () => {
    // Like the master: byte offsets, and a read never ends inside a character.
    const bytes = Buffer.from('aé\nbé\n'.repeat(10));
    const calls: Array<[number, number]> = [];
    const s = new LogSession(async (offset, limit) => {
      calls.push([offset, limit]);
      const from = offset < 0 ? bytes.length + offset : offset;
      let end = Math.min(bytes.length, from + limit);
      while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
      return { offset: from, nextOffset: end, length: bytes.length, data: bytes.subarray(from, end).toString('utf8'), complete: true };
    });
    await s.open(8);
    for (let i = 0; i < 20 && s.doc.gaps().length; i++) await s.loadGap(s.doc.gaps()[0]!, 'start', 7);
    expect(s.doc.gaps()).toEqual([]);
    expect(s.doc.loadedBytes).toBe(bytes.length);

    const empty = new LogSession(async (offset) => ({ offset: Math.max(0, offset), nextOffset: Math.max(0, offset), length: 100, data: '', complete: true }));
    await empty.open();
    const gap = empty.doc.gaps()[0]!;
    await empty.loadGap(gap);
    expect(empty.stuck.has(gap.from)).toBe(true);
  });
});

