// A small ANSI/SGR parser for log lines. Why not anser or ansi_up (both maintained): a
// virtualised log renders ~50 lines out of millions, in any order, so each line must be parsed
// starting from the SGR state left by the line before it; neither library can be seeded with
// a state, and ansi_up emits HTML strings. This one is a pure function (line, state) → spans.
// Handles SGR colours (16, 256, truecolor) and attributes; strips every other CSI/OSC escape;
// a bare `\r` rewinds the line as a terminal would (progress bars).

/** A palette index 0–255, or a truecolor `#rrggbb`. */
export type Color = number | string;

export const BOLD = 1;
export const DIM = 2;
export const ITALIC = 4;
export const UNDERLINE = 8;
export const INVERSE = 16;
export const STRIKE = 32;
export const HIDDEN = 64;

export interface SgrState {
  readonly fg?: Color;
  readonly bg?: Color;
  readonly flags: number;
}

export interface Span {
  readonly text: string;
  readonly style: SgrState;
}

export const PLAIN: SgrState = Object.freeze({ flags: 0 });

export const isPlain = (s: SgrState): boolean => s.flags === 0 && s.fg === undefined && s.bg === undefined;

/** Applies one SGR parameter list (the part between `ESC[` and `m`). */
export function applySgr(state: SgrState, params: string): SgrState {
  if (params === '' || params === '0') return PLAIN;
  const p = params.split(/[;:]/).map((x) => (x === '' ? 0 : Number(x)));
  let { fg, bg, flags } = state;
  for (let i = 0; i < p.length; i++) {
    const n = p[i]!;
    if (n === 0) {
      fg = bg = undefined;
      flags = 0;
    } else if (n === 1) flags |= BOLD;
    else if (n === 2) flags |= DIM;
    else if (n === 3) flags |= ITALIC;
    else if (n === 4) flags |= UNDERLINE;
    else if (n === 7) flags |= INVERSE;
    else if (n === 8) flags |= HIDDEN;
    else if (n === 9) flags |= STRIKE;
    else if (n === 21 || n === 22) flags &= ~(BOLD | DIM);
    else if (n === 23) flags &= ~ITALIC;
    else if (n === 24) flags &= ~UNDERLINE;
    else if (n === 27) flags &= ~INVERSE;
    else if (n === 28) flags &= ~HIDDEN;
    else if (n === 29) flags &= ~STRIKE;
    else if (n >= 30 && n <= 37) fg = n - 30;
    else if (n === 39) fg = undefined;
    else if (n >= 40 && n <= 47) bg = n - 40;
    else if (n === 49) bg = undefined;
    else if (n >= 90 && n <= 97) fg = n - 90 + 8;
    else if (n >= 100 && n <= 107) bg = n - 100 + 8;
    else if (n === 38 || n === 48) {
      let c: Color | undefined;
      if (p[i + 1] === 5 && i + 2 < p.length) {
        c = clamp(p[i + 2]!);
        i += 2;
      } else if (p[i + 1] === 2 && i + 4 < p.length) {
        c = '#' + [p[i + 2]!, p[i + 3]!, p[i + 4]!].map((v) => clamp(v).toString(16).padStart(2, '0')).join('');
        i += 4;
      } else break; // malformed extended colour: ignore the rest, as terminals do
      if (n === 38) fg = c;
      else bg = c;
    }
  }
  if (fg === undefined && bg === undefined && flags === 0) return PLAIN;
  return { fg, bg, flags };
}

const clamp = (v: number): number => (Number.isFinite(v) ? Math.max(0, Math.min(255, Math.trunc(v))) : 0);

/** True if the line needs the parser at all (fast path for the common plain line). */
export function needsParse(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/**
 * Parses one line (without its `\n`) starting in `start`; returns its visible spans and the
 * state the next line starts in.
 */
export function parseLine(line: string, start: SgrState = PLAIN): { spans: Span[]; end: SgrState } {
  if (!needsParse(line)) return { spans: line ? [{ text: line, style: start }] : [], end: start };
  let spans: Span[] = [];
  let state = start;
  let text = '';
  const flush = (): void => {
    if (text) spans.push({ text, style: state });
    text = '';
  };
  const n = line.length;
  let i = 0;
  while (i < n) {
    const ch = line.charCodeAt(i);
    if (ch === 0x1b) {
      const next = line[i + 1];
      if (next === '[') {
        let j = i + 2;
        while (j < n && line.charCodeAt(j) >= 0x30 && line.charCodeAt(j) <= 0x3f) j++;
        const params = line.slice(i + 2, j);
        while (j < n && line.charCodeAt(j) >= 0x20 && line.charCodeAt(j) <= 0x2f) j++;
        if (j >= n) break; // truncated sequence at the end of the line: drop it
        const final = line[j];
        if (final === 'm' && !/[<=>?]/.test(params)) {
          flush();
          state = applySgr(state, params);
        }
        i = j + 1;
      } else if (next === ']') {
        // OSC: until BEL or ST (ESC \)
        let j = i + 2;
        while (j < n && line.charCodeAt(j) !== 0x07 && !(line.charCodeAt(j) === 0x1b && line[j + 1] === '\\')) j++;
        i = j >= n ? n : line.charCodeAt(j) === 0x07 ? j + 1 : j + 2;
      } else {
        i += next === undefined ? 1 : 2;
      }
    } else if (ch === 0x0d) {
      // `\r` before the end rewinds the line: what follows overwrites what was shown.
      if (i + 1 < n) {
        spans = [];
        text = '';
      }
      i++;
    } else if (ch < 0x20 && ch !== 0x09) {
      i++; // other control characters are invisible
    } else if (ch === 0x7f) {
      i++;
    } else {
      let j = i + 1;
      while (j < n) {
        const c = line.charCodeAt(j);
        if (c === 0x1b || c === 0x0d || c === 0x7f || (c < 0x20 && c !== 0x09)) break;
        j++;
      }
      text += line.slice(i, j);
      i = j;
    }
  }
  flush();
  return { spans, end: state };
}

/** The state after a line, without building spans when the line has no escapes. */
export function stateAfter(line: string, start: SgrState): SgrState {
  if (line.indexOf('\x1b') < 0) return start;
  return parseLine(line, start).end;
}

/** The visible text of a line (for search and copy). */
export function plainText(line: string): string {
  if (!needsParse(line)) return line;
  return parseLine(line).spans.map((s) => s.text).join('');
}

const CUBE = [0, 95, 135, 175, 215, 255];

/** CSS colour of a 256-palette entry ≥ 16 (0–15 come from the theme's CSS variables). */
export function paletteColor(i: number): string {
  if (i >= 232) {
    const v = 8 + (i - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const k = i - 16;
  return `rgb(${CUBE[Math.floor(k / 36)]},${CUBE[Math.floor(k / 6) % 6]},${CUBE[k % 6]})`;
}
