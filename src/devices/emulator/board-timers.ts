// The pending work of an emulated board (boot messages, heartbeats, delayed replies): all of
// it dies with a reset or a power loss, and none of it keeps the process alive.

export class BoardTimers {
  private readonly timers = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
