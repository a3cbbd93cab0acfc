// The browser's view of a log: segments, gaps, merges, live appends, omitted middles, search.
import { describe, expect, it } from 'vitest';
import { LogDocument } from '../../src/renderer/lib/log/log-document';
import { utf8Length } from '../../src/renderer/lib/log/utf8';

const rows = (d: LogDocument): string[] =>
  Array.from({ length: d.rowCount }, (_, i) => {
    const r = d.row(i);
    return r.kind === 'line' ? r.text : `<${r.omitted ? 'omitted' : 'gap'} ${r.from}-${r.to}>`;
  });

describe('LogDocument', () => {
  it('shows a tail with a gap before it, then merges when the gap is loaded', () => {
    const full = 'one\ntwo\nthree\nfour\n';
    const d = new LogDocument();
    d.size = full.length;
    d.insert(10, full.length, full.slice(10)); // "ree\nfour\n"
    expect(rows(d)).toEqual(['<gap 0-10>', 'ree', 'four']);
    expect(d.gaps()).toEqual([{ from: 0, to: 10 }]);
    d.insert(4, 10, full.slice(4, 10)); // "two\nth"
    expect(rows(d)).toEqual(['<gap 0-4>', 'two', 'three', 'four']);
    d.insert(0, 4, full.slice(0, 4));
    expect(rows(d)).toEqual(['one', 'two', 'three', 'four']);
    expect(d.gaps()).toEqual([]);
    expect(d.loadedBytes).toBe(full.length);
  });

  it('appends live chunks, joining the open last line, and refuses chunks past a gap', () => {
    const d = new LogDocument();
    expect(d.append(0, 'hel')).toBe(true);
    expect(d.append(3, 'lo\nwor')).toBe(true);
    expect(rows(d)).toEqual(['hello', 'wor']);
    expect(d.append(0, 'hel')).toBe(true); // duplicate: ignored
    expect(d.append(7, 'orld\n')).toBe(true); // overlaps one byte
    expect(rows(d)).toEqual(['hello', 'world']);
    expect(d.append(50, 'later')).toBe(false);
    expect(d.end).toBe(12);
  });

  it('counts offsets in UTF-8 bytes', () => {
    const d = new LogDocument();
    d.append(0, 'héllo ✓\n');
    expect(d.end).toBe(utf8Length('héllo ✓\n'));
    expect(utf8Length('😀')).toBe(4);
    d.append(d.end, 'next\n');
    expect(rows(d)).toEqual(['héllo ✓', 'next']);
  });

  it('marks the middle a capped log dropped as omitted, not loadable', () => {
    const d = new LogDocument();
    d.size = 1000;
    d.setOmitted({ from: 100, to: 900 });
    d.insert(950, 1000, 'x'.repeat(49) + '\n');
    expect(rows(d)).toEqual(['<gap 0-100>', '<omitted 100-900>', '<gap 900-950>', 'x'.repeat(49)]);
    expect(d.gaps()).toEqual([
      { from: 0, to: 100 },
      { from: 900, to: 950 },
    ]);
  });

  it('gives each line the colour state left by the lines before it, across many lines', () => {
    const d = new LogDocument();
    const lines = ['\x1b[31mred begins'];
    for (let i = 0; i < 1000; i++) lines.push(`line ${i}`);
    lines.push('\x1b[0mreset');
    d.append(0, lines.join('\n') + '\n');
    const r = d.row(700);
    expect(r.kind === 'line' && r.state.fg).toBe(1);
    const last = d.row(d.rowCount - 1);
    expect(last.kind === 'line' && last.state.fg).toBe(1);
  });

  it('searches the visible text of loaded lines, case-insensitively', () => {
    const d = new LogDocument();
    d.append(0, 'Build OK\n\x1b[31mERROR\x1b[0m: flash failed\nerror again\n');
    expect(d.search('error')).toEqual([1, 2]);
    expect(d.search('31m')).toEqual([]);
    expect(d.search('')).toEqual([]);
  });

  it('reads a screenful of rows in one pass with the same colours as row by row', () => {
    const d = new LogDocument();
    d.size = 50_000;
    const text = Array.from({ length: 600 }, (_, i) => (i % 7 === 0 ? `\x1b[3${i % 8}mcolour ${i}` : `plain ${i}`)).join('\n') + '\n';
    d.insert(50_000 - text.length, 50_000, text);
    const rows = d.rowsBetween(0, d.rowCount);
    expect(rows.length).toBe(d.rowCount);
    for (let i = 0; i < d.rowCount; i++) expect(rows[i]).toEqual(d.row(i));
    expect(d.gapIn(0, 3)).toEqual({ from: 0, to: 50_000 - text.length, row: 0 });
    expect(d.gapIn(1, d.rowCount)).toBeUndefined();
  });
});

