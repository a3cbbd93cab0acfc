// Keeps log ingestion from crowding out dispatch. The master is one event loop: a few agents
// streaming logs as fast as they can would otherwise fill every turn with 64 KiB appends, and
// every Task.Next, Spawn or Finish would wait behind them. Appends therefore get a byte budget
// per event-loop turn, on average: within it they run at once, past it they wait (in arrival
// order) for a later turn, and their replies with them. Agents keep a bounded number of
// appends in flight, so a delayed reply slows the sender, and the log work arriving per turn
// settles at the budget. An otherwise idle master turns in microseconds and still takes logs
// at full speed.
//
// 8 KiB a turn is one 64 KiB chunk every eighth turn. bench:dispatch, 10 unthrottled writers
// beside the no-op lifecycle (5-8k tasks/s), slowdown of dispatch: 64 KiB 2.0-2.4×, 16 KiB
// 1.3-2.1×, 8 KiB 1.0-1.4×, the writers still getting 19-38 MB/s to disk; a single writer
// alone went from 122 to 117 MB/s.
export const DEFAULT_APPEND_BUDGET_BYTES = 8 * 1024;

interface Waiting {
  cost: number;
  run: () => void;
}

export class AppendScheduler {
  private spent = 0;
  private readonly waiting: Waiting[] = [];
  private head = 0;
  private turnScheduled = false;

  constructor(private readonly budget = DEFAULT_APPEND_BUDGET_BYTES) {}

  /** Runs `fn` now if this turn's budget allows and nothing waits, else in a later turn. */
  run<T>(cost: number, fn: () => T): T | Promise<T> {
    if (this.head === this.waiting.length && this.spent < this.budget) {
      this.spent += cost;
      this.scheduleTurn();
      return fn();
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        cost,
        run: () => {
          try {
            resolve(fn());
          } catch (err) {
            reject(err);
          }
        },
      });
      this.scheduleTurn();
    });
  }

  /** Appends waiting for a later turn. */
  get backlog(): number {
    return this.waiting.length - this.head;
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    // setImmediate runs after this turn's I/O; one scheduled from inside it runs a turn later.
    setImmediate(() => this.endTurn());
  }

  /** End of a turn (after its I/O): run waiting appends up to the budget, then start afresh. */
  private endTurn(): void {
    this.turnScheduled = false;
    while (this.head < this.waiting.length && this.spent < this.budget) {
      const w = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as unknown as Waiting;
      this.spent += w.cost;
      w.run();
    }
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    }
    // What a turn used beyond its budget is owed by the next ones (an average, not a cap per
    // turn, so a budget smaller than a chunk still means something).
    this.spent = Math.max(0, this.spent - this.budget);
    if (this.backlog > 0 || this.spent > 0) this.scheduleTurn();
  }
}
