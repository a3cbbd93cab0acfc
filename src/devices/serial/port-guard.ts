// Races board work against the two things that must end it at once: the port vanishing and
// the caller cancelling. Libraries such as esptool-js only notice a dead port after their
// own timeouts and retries (9 s and more); the guard turns either event into an error now,
// and swallows the late failure of the abandoned work.
import { CancelledError } from '../../shared/errors';

export class PortGuard {
  failure: Error | undefined;
  private readonly waiters = new Set<(err: Error) => void>();
  private readonly onFail: Array<() => void> = [];

  constructor(signal?: AbortSignal, what = 'operation') {
    if (!signal) return;
    const abort = (): void => this.fail(new CancelledError(`${what} cancelled`));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  }

  /** Runs `fn` once when the guard trips (e.g. close the port so the library stops). */
  whenFailed(fn: () => void): void {
    if (this.failure) fn();
    else this.onFail.push(fn);
  }

  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const w of this.waiters) w(err);
    this.waiters.clear();
    for (const fn of this.onFail.splice(0)) {
      try {
        fn();
      } catch {
        // best effort: the error that matters is already recorded
      }
    }
  }

  run<T>(work: Promise<T>): Promise<T> {
    if (this.failure) {
      work.catch(() => {});
      return Promise.reject(this.failure);
    }
    return new Promise<T>((resolve, reject) => {
      const stop = (err: Error): void => reject(err);
      this.waiters.add(stop);
      work.then(
        (v) => {
          this.waiters.delete(stop);
          if (this.failure) reject(this.failure);
          else resolve(v);
        },
        (e) => {
          this.waiters.delete(stop);
          reject(this.failure ?? e);
        },
      );
    });
  }

  /** Sleeps, but wakes up with the guard's error. */
  sleep(ms: number): Promise<void> {
    return this.run(new Promise((r) => setTimeout(r, ms)));
  }
}
