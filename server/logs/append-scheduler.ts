// Keeps log ingestion from crowding out dispatch. The master is one event loop: a few agents
// streaming logs as fast as they can would otherwise fill every turn with 64 KiB appends, and
// every Task.Next, Spawn or Finish would wait behind them. Appends therefore get a byte budget
// per event-loop turn: within it they run at once, past it they wait (in arrival order) for the
// next turn, and their replies with them. Agents keep a bounded number of appends in flight,
// so a delayed reply slows the sender and the work arriving per turn settles at the budget.
// An otherwise idle master turns quickly and still takes logs at full speed.

export const DEFAULT_APPEND_BUDGET_BYTES = 64 * 1024;

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
    this.spent = 0;
    if (this.backlog > 0) this.scheduleTurn();
  }
}
