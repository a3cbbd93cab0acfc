// A pull subscriber on the typed client: one handler call at a time, acknowledgements carried
// by the next Pull (one round trip per message), and an optional prefetch, the flow control
// NATS's `consume({ max_messages })` and Google's `flowControl.maxMessages` give: with
// `prefetch: 1` the next message is already leased and on its way while the handler runs, so
// the master and the consumer work at the same time instead of taking turns. Agents keep
// prefetch at 0: a task leased to a busy agent waits for nothing but that agent.
import { isRetryableCode, OurciError } from '../shared/errors';
import type { ReceivedMessage } from '../shared/pubsub/methods';
import type { MasterClient } from './master-client';

export type { ReceivedMessage };

/** What the handler decides: acknowledge (default), or nack for an immediate redelivery. */
export type Verdict = 'ack' | 'nack' | void;

export interface SubscriberOptions {
  /** Messages leased and waiting in this process besides the one in the handler (default 0). */
  prefetch?: number;
  /** Long-poll wait of each Pull in seconds (default 20). */
  waitSeconds?: number;
  /**
   * Called when a Pull fails (default: a line on stderr). A retryable failure (the master is
   * restarting, a timeout) is retried after `retryMs`; any other (a subscription name the
   * master refuses, a token without the agent scope) stops the subscriber, since retrying
   * cannot fix it.
   */
  onError?: (err: unknown, stopped: boolean) => void;
  retryMs?: number;
}

export class Subscriber {
  private readonly prefetch: number;
  private readonly waitSeconds: number;
  private readonly buffer: ReceivedMessage[] = [];
  private acks: string[] = [];
  private nacks: string[] = [];
  private pulls = 0;
  private busy = false;
  private running = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: MasterClient,
    private readonly subscription: string,
    private readonly handler: (m: ReceivedMessage) => Verdict | Promise<Verdict>,
    private readonly opts: SubscriberOptions = {},
  ) {
    this.prefetch = Math.max(0, Math.floor(opts.prefetch ?? 0));
    this.waitSeconds = opts.waitSeconds ?? 20;
  }

  /** Starts pulling; the first Pull is sent before this returns. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.fill();
  }

  /**
   * Stops pulling, acknowledges what the handler finished and gives back (nacks) what was
   * prefetched but never handled; a handler still running reports its own verdict when it
   * ends. A Pull still waiting at the master that brings a message after this gives it back
   * at once.
   */
  async close(): Promise<void> {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const unhandled = this.buffer.splice(0).map((m) => m.ackId);
    await Promise.allSettled([this.ack(this.take('acks')), this.nack([...this.take('nacks'), ...unhandled])]);
  }

  /** Keeps 1 + prefetch messages leased: in the handler, buffered, or asked for. */
  private fill(): void {
    while (this.running && !this.retryTimer && this.pulls + this.buffer.length + (this.busy ? 1 : 0) < 1 + this.prefetch) {
      this.pull();
    }
  }

  private take(which: 'acks' | 'nacks'): string[] {
    const ids = this[which];
    this[which] = [];
    return ids;
  }

  private pull(): void {
    this.pulls++;
    const ackIds = this.take('acks');
    // Rare (a handler said nack): its own call, so Pull's params stay the hot path's shape.
    if (this.nacks.length) this.nack(this.take('nacks')).catch((err: unknown) => this.report(err, false));
    this.client
      .call('PubSub.Pull', {
        subscription: this.subscription,
        maxMessages: 1,
        waitSeconds: this.waitSeconds,
        ...(ackIds.length ? { ackIds } : {}),
      })
      .then(
        ({ receivedMessages }) => {
          this.pulls--;
          if (!this.running) return this.giveBack(receivedMessages);
          this.buffer.push(...receivedMessages);
          this.pump();
          this.fill();
        },
        (err: unknown) => {
          this.pulls--;
          // The acks did not reach the master for sure; carry them on the next Pull (an
          // acknowledgement of an already acknowledged message is answered without error).
          this.acks.unshift(...ackIds);
          const fatal = !(err instanceof OurciError && isRetryableCode(err.code));
          this.report(err, fatal);
          if (fatal) this.running = false;
          if (this.running && !this.retryTimer) {
            this.retryTimer = setTimeout(() => {
              this.retryTimer = null;
              this.fill();
            }, this.opts.retryMs ?? 1000);
          }
        },
      );
  }

  /** Messages that arrived after close: nacked, so they go to another consumer at once. */
  private giveBack(ms: ReceivedMessage[]): void {
    this.nack(ms.map((m) => m.ackId)).catch(() => undefined); // their leases run out instead
  }

  private ack(ackIds: string[]): Promise<unknown> {
    if (ackIds.length === 0) return Promise.resolve();
    return this.client.call('PubSub.Acknowledge', { subscription: this.subscription, ackIds });
  }

  /** Gives messages back for immediate redelivery (ModifyAckDeadline 0). */
  private nack(ackIds: string[]): Promise<unknown> {
    if (ackIds.length === 0) return Promise.resolve();
    return this.client.call('PubSub.ModifyAckDeadline', { subscription: this.subscription, ackIds, ackDeadlineSeconds: 0 });
  }

  private report(err: unknown, stopping: boolean): void {
    if (!this.running) return;
    if (this.opts.onError) return this.opts.onError(err, stopping);
    const why = err instanceof Error ? err.message : String(err);
    process.stderr.write(`subscriber ${this.subscription}: ${why}${stopping ? ' (stopped)' : ''}\n`);
  }

  /** False once closed, or stopped by a failure a retry cannot fix. */
  get active(): boolean {
    return this.running;
  }

  /** Runs the handler on the next buffered message, unless it is busy. */
  private pump(): void {
    if (this.busy || !this.running) return;
    const m = this.buffer.shift();
    if (!m) return;
    this.busy = true;
    let verdict: Verdict | Promise<Verdict>;
    try {
      verdict = this.handler(m);
    } catch {
      verdict = 'nack';
    }
    if (verdict instanceof Promise) {
      verdict.then(
        (v) => this.done(m, v),
        () => this.done(m, 'nack'),
      );
    } else {
      this.done(m, verdict);
    }
  }

  private done(m: ReceivedMessage, verdict: Verdict): void {
    this.busy = false;
    if (!this.running) {
      // Closed while the handler ran: no Pull will carry the verdict, so it goes on its own
      // (if that fails, the lease runs out and the message comes back).
      (verdict === 'nack' ? this.nack([m.ackId]) : this.ack([m.ackId])).catch(() => undefined);
      return;
    }
    (verdict === 'nack' ? this.nacks : this.acks).push(m.ackId);
    this.pump();
    this.fill();
  }
}
