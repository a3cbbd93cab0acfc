// The log's ANSI parser: colours, attributes, state carried across lines, escapes stripped.
import { describe, expect, it } from 'vitest';
import { BOLD, parseLine, plainText, PLAIN, stateAfter, UNDERLINE, paletteColor } from '../../src/renderer/lib/ansi/sgr';

describe('parseLine', () => {
  it('keeps plain lines as one span', () => {
    expect(parseLine('hello world').spans).toEqual([{ text: 'hello world', style: PLAIN }]);
    expect(parseLine('').spans).toEqual([]);
  });

  it('splits on SGR colours and attributes', () => {
    const { spans, end } = parseLine('\x1b[32mok\x1b[0m line \x1b[1;31merr\x1b[0m');
    expect(spans.map((s) => s.text)).toEqual(['ok', ' line ', 'err']);
    expect(spans[0]!.style).toEqual({ fg: 2, bg: undefined, flags: 0 });
    expect(spans[1]!.style).toBe(PLAIN);
    expect(spans[2]!.style).toEqual({ fg: 1, bg: undefined, flags: BOLD });
    expect(end).toBe(PLAIN);
  });

  it('handles bright, 256 and truecolor, backgrounds, and resets of single attributes', () => {
    expect(parseLine('\x1b[91mx').spans[0]!.style.fg).toBe(9);
    expect(parseLine('\x1b[38;5;208mx').spans[0]!.style.fg).toBe(208);
    expect(parseLine('\x1b[48;2;1;2;255mx').spans[0]!.style.bg).toBe('#0102ff');
    expect(parseLine('\x1b[1;4mx\x1b[22my').spans.map((s) => s.style.flags)).toEqual([BOLD | UNDERLINE, UNDERLINE]);
    expect(parseLine('\x1b[31;44mx\x1b[39my').spans[1]!.style).toEqual({ fg: undefined, bg: 4, flags: 0 });
    expect(paletteColor(196)).toBe('rgb(255,0,0)');
    expect(paletteColor(232)).toBe('rgb(8,8,8)');
  });

  it('carries the state into the next line', () => {
    const a = parseLine('\x1b[33mstart of yellow');
    expect(a.end.fg).toBe(3);
    const b = parseLine('still yellow\x1b[m done', a.end);
    expect(b.spans[0]).toEqual({ text: 'still yellow', style: a.end });
    expect(b.spans[1]!.style).toBe(PLAIN);
    expect(stateAfter('no escapes', a.end)).toBe(a.end);
  });

  it('strips other escapes and control characters, and rewinds on a bare carriage return', () => {
    expect(plainText('\x1b[2K\x1b[1Gclean\x1b[?25l')).toBe('clean');
    expect(plainText('\x1b]0;title\x07text\x1b]8;;http://x\x1b\\link')).toBe('textlink');
    expect(plainText('progress 10%\rprogress 100%')).toBe('progress 100%');
    expect(plainText('windows line\r')).toBe('windows line');
    expect(plainText('bell\x07 and tab\tkept')).toBe('bell and tab\tkept');
    expect(plainText('truncated \x1b[3')).toBe('truncated ');
  });

  it('ignores malformed extended colours without throwing', () => {
    expect(parseLine('\x1b[38;5mx').spans[0]!.text).toBe('x');
    expect(parseLine('\x1b[38;9;1mx').spans[0]!.text).toBe('x');
  });
});
