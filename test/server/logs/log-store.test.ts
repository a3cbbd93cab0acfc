import { describe, expect, it } from 'vitest';
import { LogStore } from '../../../server/logs/log-store';
import { tempDir } from '../../helpers/master';

describe('log store', () => {
  it('appends by offset idempotently and refuses gaps', () => {
    const s = new LogStore({ dir: tempDir() });
    expect(s.append('1', 1, 0, Buffer.from('hello ')).length).toBe(6);
    // A resend of bytes already stored changes nothing; an overlapping resend adds only the new part.
    expect(s.append('1', 1, 0, Buffer.from('hello ')).length).toBe(6);
    const r = s.append('1', 1, 3, Buffer.from('lo world'));
    expect(r).toMatchObject({ length: 11, offset: 6 });
    expect(r.written.toString()).toBe('world');
    expect(() => s.append('1', 1, 20, Buffer.from('x'))).toThrow(/log gap/);
    expect(s.read('1', 1, 0, 100).data.toString()).toBe('hello world');
    expect(s.read('1', 1, -5, 100).data.toString()).toBe('world');
    s.closeAll();
  });

  it('reads on UTF-8 boundaries', () => {
    const s = new LogStore({ dir: tempDir() });
    s.append('1', 1, 0, Buffer.from('aé€😀z'));
    const first = s.read('1', 1, 0, 2); // 'a' + first byte of 'é'
    expect(first.data.toString()).toBe('a');
    expect(first.nextOffset).toBe(1);
    const tail = s.read('1', 1, -4, 100); // starts inside '😀'
    expect(tail.data.toString()).toBe('z');
    s.closeAll();
  });

  it('keeps head and tail past the cap, and survives a reopen', () => {
    const dir = tempDir();
    const s = new LogStore({ dir, capBytes: 400 });
    let offset = 0;
    for (let i = 0; i < 100; i++) {
      const line = Buffer.from(`line ${String(i).padStart(3, '0')}\n`); // 9 bytes
      offset = s.append('7', 1, offset, line).length;
    }
    expect(offset).toBe(900);
    const head = s.read('7', 1, 0, 1000);
    expect(head.data.toString().startsWith('line 000\n')).toBe(true);
    expect(head.nextOffset).toBe(200);
    const mid = s.read('7', 1, 200, 1000);
    expect(mid.omitted).toBeDefined();
    expect(mid.omitted!.from).toBe(200);
    const end = s.read('7', 1, -9, 100);
    expect(end.data.toString()).toBe('line 099\n');
    s.closeAll();
    const again = new LogStore({ dir, capBytes: 400 });
    expect(again.length('7', 1)).toBe(900);
    expect(again.read('7', 1, -9, 100).data.toString()).toBe('line 099\n');
    again.closeAll();
  });

  it('takes text as well as bytes, with the same offsets, overlaps and cap', () => {
    const s = new LogStore({ dir: tempDir(), capBytes: 40 });
    // 'é' and '€' are 2 and 3 bytes: offsets count bytes, not characters.
    expect(s.append('3', 1, 0, 'aé€').length).toBe(6);
    const r = s.append('3', 1, 1, 'é€b'); // resent overlap: only 'b' is new
    expect(r).toMatchObject({ length: 7, offset: 6 });
    expect(r.written.toString()).toBe('b');
    let offset = 7;
    for (let i = 0; i < 10; i++) offset = s.append('3', 1, offset, `line ${i}\n`).length; // crosses the 40-byte cap
    expect(offset).toBe(77);
    expect(s.read('3', 1, 0, 100).data.toString().startsWith('aé€bline 0\n')).toBe(true);
    expect(s.read('3', 1, -7, 100).data.toString()).toBe('line 9\n');
    s.closeAll();
  });
});
