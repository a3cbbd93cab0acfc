// One log line: ANSI spans as styled <span>s, search matches marked. Memoised: a line's
// props only change when it scrolls in or the query changes.
import { memo, type CSSProperties, type ReactNode } from 'react';
import { BOLD, DIM, HIDDEN, INVERSE, ITALIC, paletteColor, parseLine, STRIKE, UNDERLINE, type Color, type SgrState } from '../../lib/ansi/sgr';

function colorCss(c: Color): string {
  return typeof c === 'string' ? c : c < 16 ? `var(--ansi-${c})` : paletteColor(c);
}

function styleOf(s: SgrState): { className?: string; style?: CSSProperties } {
  if (s.flags === 0 && s.fg === undefined && s.bg === undefined) return {};
  const cls: string[] = [];
  let style: CSSProperties | undefined;
  let fg = s.fg;
  let bg = s.bg;
  if (s.flags & INVERSE) {
    [fg, bg] = [bg, fg];
    if (fg === undefined) cls.push('a-inv-fg');
    if (bg === undefined) cls.push('a-inv-bg');
  }
  if (fg !== undefined) {
    if (typeof fg === 'number' && fg < 16) cls.push(`a-f${fg}`);
    else style = { ...style, color: colorCss(fg) };
  }
  if (bg !== undefined) {
    if (typeof bg === 'number' && bg < 16) cls.push(`a-b${bg}`);
    else style = { ...style, backgroundColor: colorCss(bg) };
  }
  if (s.flags & BOLD) cls.push('a-bold');
  if (s.flags & DIM) cls.push('a-dim');
  if (s.flags & ITALIC) cls.push('a-italic');
  if (s.flags & UNDERLINE) cls.push('a-under');
  if (s.flags & STRIKE) cls.push('a-strike');
  if (s.flags & HIDDEN) cls.push('a-hidden');
  return { className: cls.length ? cls.join(' ') : undefined, style };
}

/** Match ranges of `q` (lowercase) in `text`, case-insensitive. */
function matchRanges(text: string, q: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (!q) return out;
  const t = text.toLowerCase();
  for (let i = t.indexOf(q); i >= 0 && out.length < 1000; i = t.indexOf(q, i + q.length)) out.push([i, i + q.length]);
  return out;
}

export interface LogLineProps {
  text: string;
  state: SgrState;
  query: string;
  current: boolean;
}

const sameState = (a: SgrState, b: SgrState): boolean => a === b || (a.flags === b.flags && a.fg === b.fg && a.bg === b.bg);

/** Re-rendered only when what it shows changes (states are compared by value, not identity). */
export const LogLine = memo(LogLineView, (a, b) => a.text === b.text && a.query === b.query && a.current === b.current && sameState(a.state, b.state));

function LogLineView({ text, state, query, current }: LogLineProps) {
  const { spans } = parseLine(text, state);
  const plain = spans.map((s) => s.text).join('');
  const ranges = matchRanges(plain, query.toLowerCase());
  const out: ReactNode[] = [];
  let pos = 0;
  let r = 0;
  spans.forEach((span, si) => {
    const { className, style } = styleOf(span.style);
    const end = pos + span.text.length;
    // Split this span at match boundaries.
    let at = pos;
    let k = 0;
    while (at < end) {
      while (r < ranges.length && ranges[r]![1] <= at) r++;
      const m = ranges[r];
      let stop = end;
      let marked = false;
      if (m && m[0] <= at) {
        stop = Math.min(end, m[1]);
        marked = true;
      } else if (m && m[0] < end) stop = m[0];
      const piece = span.text.slice(at - pos, stop - pos);
      out.push(
        marked ? (
          <mark key={`${si}.${k++}`} className={className} style={style}>
            {piece}
          </mark>
        ) : className || style ? (
          <span key={`${si}.${k++}`} className={className} style={style}>
            {piece}
          </span>
        ) : (
          piece
        ),
      );
      at = stop;
    }
    pos = end;
  });
  return <div className={current ? 'log-line current' : 'log-line'}>{out.length ? out : '\u200b'}</div>;
}
