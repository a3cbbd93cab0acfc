// The bench's copy of its tasks' logs: byte offsets as the master counts them, the tail kept,
// reads that never cut a character, and what is no longer kept left to the master.
import { describe, expect, it } from 'vitest';
import { TaskHistory } from '../../src/bench/task-history';
import type { TaskStart } from '../../src/agent/agent';

const start = (id: string): TaskStart =>
  ({ task: { id, name: 'n', topic: 't' }, job: { id: 'j1' }, attempt: 1, args: ['true'] }) as unknown as TaskStart;

describe('task history', () => {
  it('numbers log bytes like the master and reads them back by offset', () => {
    const events: Array<[number, string]> = [];
    const h = new TaskHistory(() => {}, (_t, offset, text) => events.push([offset, text]));
    h.begin(start('1'), 'b');
    h.append('1', 'héllo\n'); // é is two bytes
    h.append('1', 'wörld\n');
    expect(events).toEqual([
      [0, 'héllo\n'],
      [7, 'wörld\n'],
    ]);
    expect(h.read('1', 0, 100)).toMatchObject({ offset: 0, nextOffset: 14, length: 14, data: 'héllo\nwörld\n', complete: false });
    expect(h.read('1', -7, 100)).toMatchObject({ offset: 7, data: 'wörld\n' });
    // Offset 2 falls inside "é": the read starts after it; a limit ending inside "ö" stops before it.
    expect(h.read('1', 2, 100)!.offset).toBe(3);
    expect(h.read('1', 7, 2)).toMatchObject({ offset: 7, nextOffset: 8, data: 'w' });
    h.finish('1', { status: 'success', exitCode: 0 });
    expect(h.read('1', 0, 1)!.complete).toBe(true);
  });

  it('keeps the tail and says when older bytes are gone', () => {
    const h = new TaskHistory(() => {}, () => {}, { logBytes: 10 });
    h.begin(start('2'), 'b');
    for (let i = 0; i < 5; i++) h.append('2', `line${i}\n`);
    expect(h.read('2', 0, 100)).toBeUndefined();
    expect(h.read('2', -100, 100)).toMatchObject({ offset: 24, nextOffset: 30, length: 30, data: 'line4\n' });
    expect(h.log('2')).toEqual({ text: 'line4\n', truncated: true });
  });

  it('forgets the oldest finished tasks first', () => {
    const h = new TaskHistory(() => {}, () => {}, { keep: 2 });
    for (const id of ['a', 'b', 'c']) {
      h.begin(start(id), 'x');
      h.finish(id, { status: 'success' });
    }
    h.begin(start('d'), 'x');
    expect(h.list().map((t) => t.id).sort()).toEqual(['b', 'c', 'd']);
  });
});
