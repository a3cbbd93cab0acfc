// Items that come due at a time, with one timer for the earliest (lease deadlines, message
// expiry times). Due entries are handed to `onDue` in time order; whether an entry is still
// current is the caller's business (entries are never removed from the middle).
import { MinHeap, type HeapEntry } from './min-heap';

// setTimeout takes at most ~24.8 days; a longer delay would fire at once, in a loop.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class DeadlineQueue<T> {
  private readonly heap = new MinHeap<T>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;

  constructor(
    private readonly onDue: (e: HeapEntry<T>) => void,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.heap.size;
  }

  push(e: HeapEntry<T>): void {
    this.heap.push(e);
    if (e.at < this.timerAt) this.arm();
  }

  /** Drops entries in bulk (stale ones) so the heap does not keep finished items alive. */
  retain(keep: (e: HeapEntry<T>) => boolean): void {
    this.heap.retain(keep);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const top = this.heap.peek();
    if (!top) {
      this.timer = null;
      this.timerAt = Infinity;
      return;
    }
    this.timerAt = top.at;
    this.timer = setTimeout(() => this.fire(), Math.min(MAX_TIMER_MS, Math.max(0, top.at - this.now())));
    this.timer.unref();
  }

  private fire(): void {
    const now = this.now();
    for (let top = this.heap.peek(); top && top.at <= now; top = this.heap.peek()) {
      this.heap.pop();
      this.onDue(top);
    }
    this.arm();
  }
}
