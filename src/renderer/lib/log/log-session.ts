// Loads one attempt's log into a LogDocument: the tail first (so a 100 MB log opens at once),
// older bytes on demand, live chunks as they stream, and a catch-up read whenever a chunk
// arrives past what we hold (missed while reconnecting). Transport-free: give it a reader.
import { LogDocument, type ByteRange } from './log-document';

export interface LogReadResult {
  offset: number;
  nextOffset: number;
  /** Total bytes of the log (or of this read; either way `max(nextOffset, length)` bounds it). */
  length: number;
  data: string;
  complete: boolean;
  omitted?: ByteRange;
}

/** `offset` < 0 counts from the end, as Log.Read does. */
export type LogReader = (offset: number, limit: number) => Promise<LogReadResult>;

export const TAIL_BYTES = 256 * 1024;
export const PAGE_BYTES = 512 * 1024;

export class LogSession {
  readonly doc = new LogDocument();
  complete = false;
  opened = false;
  error: string | undefined;
  /** Gaps being loaded now (by their `from`), so a scroll does not ask twice. */
  readonly loading = new Set<number>();
  /** Gaps whose read failed or brought nothing: not loaded again by scrolling (Home retries). */
  readonly stuck = new Set<number>();
  private readonly listeners = new Set<() => void>();
  private pending: Array<{ offset: number; data: string }> = [];
  /** Rows inserted above what the reader sees (gap ends loaded) since the viewer last asked. */
  private shift = 0;
  private catchingUp = false;
  private closed = false;

  constructor(private readonly read: LogReader) {}

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }

  /** Reads the tail. Chunks that arrive meanwhile are queued and applied afterwards. */
  async open(tailBytes = TAIL_BYTES): Promise<void> {
    try {
      const r = await this.read(-tailBytes, tailBytes);
      if (this.closed) return;
      this.absorb(r);
      this.opened = true;
      this.flushPending();
    } catch (err) {
      this.error = (err as Error).message;
    }
    this.emit();
  }

  /** Loads (part of) a gap: the end next to the rows below when scrolling up, else its start. */
  async loadGap(gap: ByteRange, side: 'end' | 'start' = 'end', pageBytes = PAGE_BYTES): Promise<void> {
    if (this.loading.has(gap.from) || this.stuck.has(gap.from) || this.closed) return;
    this.loading.add(gap.from);
    this.emit();
    try {
      const from = side === 'end' ? Math.max(gap.from, gap.to - pageBytes) : gap.from;
      // Three bytes more than the gap: the master never ends a read inside a UTF-8 character,
      // so a gap ending inside one would otherwise never close (the overlap is trimmed).
      const r = await this.read(from, Math.min(pageBytes, gap.to - from) + 3);
      if (!this.closed) {
        const before = this.doc.rowCount;
        this.absorb(r);
        if (side === 'end') this.shift += this.doc.rowCount - before;
        if (r.nextOffset <= from) this.stuck.add(gap.from); // no progress: do not ask again
      }
    } catch (err) {
      this.error = (err as Error).message;
      this.stuck.add(gap.from);
    } finally {
      this.loading.delete(gap.from);
    }
    this.emit();
  }

  /** Rows a viewer must scroll down by to keep its place after gap ends were loaded; resets. */
  takeShift(): number {
    const n = this.shift;
    this.shift = 0;
    return n;
  }

  /** A live chunk (`log.chunk` event) of this attempt. */
  chunk(offset: number, data: string): void {
    if (!this.opened || this.catchingUp) {
      this.pending.push({ offset, data });
      return;
    }
    if (!this.doc.append(offset, data)) {
      this.pending.push({ offset, data });
      void this.catchUp();
      return;
    }
    this.emit();
  }

  /** Reads from the loaded end until there is nothing more (after a reconnect or at the end). */
  async catchUp(): Promise<void> {
    if (this.catchingUp || this.closed || !this.opened) return;
    this.catchingUp = true;
    const before = this.doc.end;
    try {
      for (let i = 0; i < 1000; i++) {
        const from = this.doc.end;
        const r = await this.read(from, PAGE_BYTES);
        if (this.closed) return;
        this.absorb(r);
        if (r.nextOffset <= from || r.data.length === 0) break;
      }
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.catchingUp = false;
    }
    // Only try again if this round made progress: a chunk the server cannot give back is dropped.
    this.flushPending(this.doc.end > before);
    this.emit();
  }

  /** The attempt ended: fetch whatever we may have missed, then stop expecting more. */
  async finish(): Promise<void> {
    await this.catchUp();
    this.complete = true;
    this.emit();
  }

  private absorb(r: LogReadResult): void {
    this.doc.size = Math.max(this.doc.size, r.length, r.nextOffset);
    if (r.omitted) this.doc.setOmitted(r.omitted);
    this.doc.insert(r.offset, r.nextOffset, r.data);
    if (r.complete) this.complete = true;
    this.error = undefined;
  }

  private flushPending(retry = true): void {
    const queued = this.pending.sort((a, b) => a.offset - b.offset);
    this.pending = [];
    for (const c of queued) {
      if (!this.doc.append(c.offset, c.data)) this.pending.push(c);
    }
    if (this.pending.length && retry) void this.catchUp();
    else this.pending = [];
  }

  /** Bumped on every change (document, loading, errors, completion): a snapshot for React. */
  revision = 0;

  private emit(): void {
    this.revision++;
    for (const fn of this.listeners) fn();
  }
}
