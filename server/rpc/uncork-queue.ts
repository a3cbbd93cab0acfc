// Corked sockets of one loop tick, uncorked together at its end: those carrying a delivery
// first (their writes wake the pullers), then the rest (confirmations, other replies).
export class UncorkQueue {
  private readonly first: Array<() => void> = [];
  private readonly later: Array<() => void> = [];
  private scheduled = false;

  add(uncork: () => void, first: boolean): void {
    (first ? this.first : this.later).push(uncork);
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    for (const list of [this.first, this.later]) {
      for (const uncork of list.splice(0)) uncork();
    }
  }
}
