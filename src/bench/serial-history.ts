// The last lines of one board's serial output, numbered, so that a console opened late (or
// `ourci console` right after `ourci flash` in a task) still sees the boot banner.
import type { SerialLine } from '../shared/bench/model';

export class SerialHistory {
  private readonly lines: SerialLine[] = [];
  private seq = 0;
  /** Lines after this one are "since the last flash or reset" (what a task's console starts with). */
  mark = 0;

  constructor(private readonly capacity = 2000) {}

  push(kind: SerialLine['kind'], text: string, time: Date = new Date(), partial = false): SerialLine {
    const line: SerialLine = { seq: ++this.seq, time: time.toISOString(), text, kind, ...(partial ? { partial: true } : {}) };
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    return line;
  }

  /** Starts a new "since" window: the next line is the first one a task's console replays. */
  setMark(): void {
    this.mark = this.seq;
  }

  after(seq: number, limit: number): SerialLine[] {
    const out = this.lines.filter((l) => l.seq > seq);
    return out.length > limit ? out.slice(out.length - limit) : out;
  }

  last(limit: number): SerialLine[] {
    return this.lines.slice(Math.max(0, this.lines.length - limit));
  }
}
