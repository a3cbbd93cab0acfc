// Binary min-heap keyed by time. Entries are never removed from the middle: callers check on
// pop whether an entry is still current (lazy deletion), which keeps extensions O(log n).
// Callers whose entries mostly go stale long before they come due (leases acked within
// milliseconds of a 60 s deadline) call `retain` now and then, so the heap does not grow
// with every lease ever taken nor keep finished items alive.
export interface HeapEntry<T> {
  at: number;
  item: T;
  /** Snapshot the caller compares on pop to detect a superseded entry. */
  stamp: number;
}

export class MinHeap<T> {
  private a: HeapEntry<T>[] = [];

  get size(): number {
    return this.a.length;
  }

  peek(): HeapEntry<T> | undefined {
    return this.a[0];
  }

  push(e: HeapEntry<T>): void {
    const a = this.a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= a[i]!.at) break;
      const t = a[p]!;
      a[p] = a[i]!;
      a[i] = t;
      i = p;
    }
  }

  pop(): HeapEntry<T> | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Keeps only the entries `keep` accepts, in O(n). */
  retain(keep: (e: HeapEntry<T>) => boolean): void {
    this.a = this.a.filter(keep);
    for (let i = (this.a.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(i: number): void {
    const a = this.a;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]!.at < a[m]!.at) m = l;
      if (r < a.length && a[r]!.at < a[m]!.at) m = r;
      if (m === i) return;
      const t = a[m]!;
      a[m] = a[i]!;
      a[i] = t;
      i = m;
    }
  }
}
