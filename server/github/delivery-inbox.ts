// Webhook deliveries are written down before GitHub gets its answer and worked on after:
// a crash in between loses nothing (unprocessed deliveries are replayed at start), and a
// delivery id seen before is never worked on twice. Marking a delivery processed joins the
// same group commit as the job it started, so disk never holds one without the other.
import type { Logger } from 'pino';
import type { GitHubStore } from './github-store';
import type { GitHubEvent } from './webhook-payloads';

export interface DeliveryInboxOptions {
  store: GitHubStore;
  apply: (ev: GitHubEvent) => void;
  log: Logger;
  now?: () => number;
  /** How long processed delivery ids are remembered (default 30 days). */
  keepMs?: number;
}

export class DeliveryInbox {
  private readonly waiting = new Map<string, GitHubEvent>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly o: DeliveryInboxOptions) {
    this.now = o.now ?? Date.now;
  }

  isDuplicate(id: string): boolean {
    return this.waiting.has(id) || this.o.store.hasDelivery(id);
  }

  /** Records the delivery (commit it before answering); `process` does the work. */
  accept(id: string, name: string, ev: GitHubEvent): void {
    this.waiting.set(id, ev);
    this.o.store.addDelivery({ id, event: name, receivedAt: this.now(), payload: ev, processedAt: null });
  }

  process(id: string): void {
    if (this.closed) return;
    const ev = this.waiting.get(id);
    if (!ev) return;
    this.waiting.delete(id);
    try {
      this.o.apply(ev);
    } catch (err) {
      // A delivery that cannot be applied would fail the same way at every start: log it and move on.
      this.o.log.error({ err, delivery: id }, 'github: could not apply a webhook delivery');
    }
    this.o.store.markProcessed(id, this.now());
  }

  /** Replays what a previous run accepted but did not get to, oldest first. */
  replay(): number {
    const rows = this.o.store.unprocessedDeliveries();
    for (const r of rows) if (r.payload) this.waiting.set(r.id, r.payload);
    for (const r of rows) {
      if (r.payload) this.process(r.id);
      else this.o.store.markProcessed(r.id, this.now());
    }
    if (rows.length > 0) this.o.log.info({ deliveries: rows.length }, 'github: processed deliveries left over from the last run');
    this.o.store.pruneDeliveries(this.now() - (this.o.keepMs ?? 30 * 86_400_000));
    return rows.length;
  }

  close(): void {
    this.closed = true;
  }
}
