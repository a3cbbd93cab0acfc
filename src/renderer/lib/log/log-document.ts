// The part of one attempt's log that the browser holds: loaded byte ranges ("segments") split
// into lines, with the unloaded gaps between them. A 100 MB log opens with its tail only; gaps
// are loaded on demand as the reader scrolls into them. Rows (lines and gap markers) have a
// fixed height, so row ↔ position is arithmetic and rendering is virtualised by the viewer.
import { PLAIN, stateAfter, needsParse, plainText, type SgrState } from '../ansi/sgr';
import { utf8Length } from './utf8';

export interface ByteRange {
  from: number;
  to: number;
}

export type Row =
  | { kind: 'line'; text: string; state: SgrState; offset?: number }
  | { kind: 'gap'; from: number; to: number; omitted: boolean };

interface Segment {
  start: number;
  end: number;
  /** `text.split('\n')`: the last element is the unterminated rest ('' after a final newline). */
  lines: string[];
  /** SGR state at the start of line k·CHECKPOINT, filled lazily. */
  checkpoints: SgrState[];
}

type Block = { row: number; gap: ByteRange & { omitted: boolean } } | { row: number; seg: Segment };

const CHECKPOINT = 256;

export class LogDocument {
  /** Total bytes of the log as far as we know (grows while it streams). */
  size = 0;
  omitted: ByteRange | undefined;
  /** Bumped on every change: a cheap snapshot for React. */
  version = 0;
  private segments: Segment[] = [];
  private blocks: Block[] = [];
  private rows = 0;

  get rowCount(): number {
    return this.rows;
  }

  get loadedBytes(): number {
    return this.segments.reduce((n, s) => n + (s.end - s.start), 0);
  }

  /** End of the last loaded byte (where live chunks continue), or 0. */
  get end(): number {
    return this.segments.length ? this.segments[this.segments.length - 1]!.end : 0;
  }

  /** Byte ranges not loaded (and not omitted by the server's cap). */
  gaps(): ByteRange[] {
    return this.blocks.flatMap((b) => ('gap' in b && !b.gap.omitted ? [{ from: b.gap.from, to: b.gap.to }] : []));
  }

  setOmitted(r: ByteRange | undefined): void {
    if (r && r.to > r.from) this.omitted = r;
    this.relayout();
  }

  /** Adds the bytes [start, end) read from the server. Overlaps with loaded bytes are trimmed. */
  insert(start: number, end: number, data: string): void {
    if (end <= start) {
      this.size = Math.max(this.size, end);
      this.relayout();
      return;
    }
    // Trim against existing segments (rare: only when reads race with live chunks).
    for (const s of this.segments) {
      if (start >= s.start && end <= s.end) {
        this.size = Math.max(this.size, end);
        return this.relayout();
      }
      if (start < s.end && end > s.end && start >= s.start) {
        data = sliceBytes(data, s.end - start);
        start = s.end;
      } else if (start < s.start && end > s.start && end <= s.end) {
        data = sliceBytes(data, 0, s.start - start);
        end = s.start;
      }
    }
    const seg: Segment = { start, end, lines: data.split('\n'), checkpoints: [] };
    let i = this.segments.findIndex((s) => s.start > start);
    if (i < 0) i = this.segments.length;
    this.segments.splice(i, 0, seg);
    // Merge with touching neighbours.
    if (i + 1 < this.segments.length && this.segments[i + 1]!.start === seg.end) this.merge(i);
    if (i > 0 && this.segments[i - 1]!.end === seg.start) this.merge(i - 1);
    this.size = Math.max(this.size, end);
    this.relayout();
  }

  /** A live chunk at `offset`. Returns false if it leaves a gap after the loaded end (read it first). */
  append(offset: number, data: string): boolean {
    const len = utf8Length(data);
    const last = this.segments[this.segments.length - 1];
    const end = last ? last.end : 0;
    if (offset > end) return false;
    if (offset + len <= end) return true; // already have it
    if (offset < end) {
      data = sliceBytes(data, end - offset);
      offset = end;
    }
    if (!last) {
      this.insert(offset, offset + utf8Length(data), data);
      return true;
    }
    const parts = data.split('\n');
    last.lines[last.lines.length - 1] += parts[0]!;
    for (let k = 1; k < parts.length; k++) last.lines.push(parts[k]!);
    last.end = offset + utf8Length(data);
    this.size = Math.max(this.size, last.end);
    this.relayout();
    return true;
  }

  /** The row at index `i` (0 ≤ i < rowCount). */
  row(i: number): Row {
    const b = this.blockAt(i);
    if ('gap' in b) return { kind: 'gap', ...b.gap };
    const k = i - b.row;
    return { kind: 'line', text: b.seg.lines[k]!, state: this.stateAt(b.seg, k) };
  }

  /**
   * Rows [from, to) in one pass: the colour state is looked up once for the first line and
   * carried forward, which is what makes a screenful cheap however deep in the log it is.
   */
  rowsBetween(from: number, to: number): Row[] {
    const out: Row[] = [];
    to = Math.min(to, this.rows);
    let i = Math.max(0, from);
    while (i < to) {
      const b = this.blockAt(i);
      if ('gap' in b) {
        out.push({ kind: 'gap', ...b.gap });
        i++;
        continue;
      }
      const lines = b.seg.lines;
      const end = Math.min(to, b.row + visibleLines(b.seg));
      let k = i - b.row;
      let state = this.stateAt(b.seg, k);
      for (; i < end; i++, k++) {
        out.push({ kind: 'line', text: lines[k]!, state });
        state = stateAfter(lines[k]!, state);
      }
    }
    return out;
  }

  /** The first unloaded gap among rows [from, to), if any (cheap: no line is looked at). */
  gapIn(from: number, to: number): (ByteRange & { row: number }) | undefined {
    for (const b of this.blocks) {
      if (b.row >= to) break;
      if ('gap' in b && !b.gap.omitted && b.row >= from) return { from: b.gap.from, to: b.gap.to, row: b.row };
    }
    return undefined;
  }

  /** Rows whose visible text contains `query` (case-insensitive), in order. */
  search(query: string, max = 100_000): number[] {
    const q = query.toLowerCase();
    const out: number[] = [];
    if (!q) return out;
    for (const b of this.blocks) {
      if (!('seg' in b)) continue;
      const lines = b.seg.lines;
      const n = visibleLines(b.seg);
      for (let k = 0; k < n; k++) {
        const line = lines[k]!;
        const t = needsParse(line) ? plainText(line) : line;
        if (t.toLowerCase().includes(q)) {
          out.push(b.row + k);
          if (out.length >= max) return out;
        }
      }
    }
    return out;
  }

  private merge(i: number): void {
    const a = this.segments[i]!;
    const b = this.segments[i + 1]!;
    const joined = a.lines[a.lines.length - 1]! + b.lines[0]!;
    const lines = a.lines.slice(0, -1);
    lines.push(joined);
    for (let k = 1; k < b.lines.length; k++) lines.push(b.lines[k]!);
    this.segments.splice(i, 2, { start: a.start, end: b.end, lines, checkpoints: a.checkpoints.slice(0, 1 + Math.floor((a.lines.length - 1) / CHECKPOINT)) });
  }

  private stateAt(seg: Segment, line: number): SgrState {
    const cps = seg.checkpoints;
    if (cps.length === 0) cps.push(PLAIN); // a segment after a gap starts plain: its past is unknown
    const want = Math.floor(line / CHECKPOINT);
    while (cps.length <= want) {
      const k = cps.length - 1;
      let s = cps[k]!;
      for (let j = k * CHECKPOINT; j < (k + 1) * CHECKPOINT; j++) s = stateAfter(seg.lines[j]!, s);
      cps.push(s);
    }
    let s = cps[want]!;
    for (let j = want * CHECKPOINT; j < line; j++) s = stateAfter(seg.lines[j]!, s);
    return s;
  }

  private blockAt(i: number): Block {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.blocks[mid]!.row <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.blocks[lo]!;
  }

  private relayout(): void {
    const blocks: Block[] = [];
    let row = 0;
    let pos = 0;
    const gap = (from: number, to: number): void => {
      for (const g of splitOmitted(from, to, this.omitted)) {
        blocks.push({ row, gap: g });
        row++;
      }
    };
    for (const s of this.segments) {
      if (s.start > pos) gap(pos, s.start);
      blocks.push({ row, seg: s });
      row += visibleLines(s);
      pos = s.end;
    }
    if (this.size > pos) gap(pos, this.size);
    this.blocks = blocks;
    this.rows = row;
    this.version++;
  }
}

/** Lines shown for a segment: the trailing '' after a final newline is not a row. */
function visibleLines(seg: Segment): number {
  const n = seg.lines.length;
  return seg.lines[n - 1] === '' ? n - 1 : n;
}

function splitOmitted(from: number, to: number, om: ByteRange | undefined): Array<ByteRange & { omitted: boolean }> {
  if (!om || om.to <= from || om.from >= to) return [{ from, to, omitted: false }];
  const out: Array<ByteRange & { omitted: boolean }> = [];
  if (om.from > from) out.push({ from, to: om.from, omitted: false });
  out.push({ from: Math.max(from, om.from), to: Math.min(to, om.to), omitted: true });
  if (om.to < to) out.push({ from: om.to, to, omitted: false });
  return out;
}

/** Slices a string by UTF-8 byte positions (rare path: overlapping reads). */
function sliceBytes(s: string, from: number, to?: number): string {
  const bytes = new TextEncoder().encode(s);
  return new TextDecoder().decode(bytes.subarray(from, to));
}
