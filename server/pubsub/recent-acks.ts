// The last N acknowledged deliveries, so that acknowledging the same delivery twice is
// idempotent instead of "lease lost". Every ack lands here, so it must be cheap: entries are
// keyed by (subscription id, message id) numbers, not by ackId strings (hashing a fresh
// string per ack into a 100,000-entry map was a visible share of the ack path), and the
// oldest entry leaves through a ring buffer rather than a Map iterator.
//
// An ackId reads `<subId>.<msgId>.<seq>.<tag>`; only unknown ackIds are ever parsed.

export class RecentAcks {
  private readonly bySub = new Map<number, Map<number, string>>();
  private readonly ringSub: Float64Array;
  private readonly ringMsg: Float64Array;
  private head = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.ringSub = new Float64Array(capacity);
    this.ringMsg = new Float64Array(capacity);
  }

  add(subId: number, msgId: number, ackId: string): void {
    let m = this.bySub.get(subId);
    if (!m) this.bySub.set(subId, (m = new Map()));
    m.set(msgId, ackId);
    if (this.size === this.capacity) this.evictOldest();
    const i = (this.head + this.size) % this.capacity;
    this.ringSub[i] = subId;
    this.ringMsg[i] = msgId;
    this.size++;
  }

  has(ackId: string): boolean {
    const dot1 = ackId.indexOf('.');
    const dot2 = ackId.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 <= dot1) return false;
    const subId = Number(ackId.slice(0, dot1));
    const msgId = Number(ackId.slice(dot1 + 1, dot2));
    return this.bySub.get(subId)?.get(msgId) === ackId;
  }

  /** Forgets a subscription's entries (it was deleted; its ids are never reused). */
  dropSubscription(subId: number): void {
    this.bySub.delete(subId);
  }

  private evictOldest(): void {
    const subId = this.ringSub[this.head]!;
    const m = this.bySub.get(subId);
    if (m) {
      m.delete(this.ringMsg[this.head]!);
      if (m.size === 0) this.bySub.delete(subId);
    }
    this.head = (this.head + 1) % this.capacity;
    this.size--;
  }
}
