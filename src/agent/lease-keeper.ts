// Keeps a delivery's lease alive while its task runs: extends it about every third of the
// deadline. The reply can say the task was cancelled; a 409 means the lease is lost (the
// master gave the task to someone else), which is different from the master being unreachable
// (keep trying: the lease survives a short master outage).
import { ErrorCode, OurciError } from '../shared/errors';
import type { MasterClient } from '../client/master-client';

export interface LeaseKeeperOptions {
  subscription: string;
  ackId: string;
  deadlineSeconds: number;
  onCancelled: () => void;
  onLost: () => void;
}

export class LeaseKeeper {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly client: MasterClient,
    private readonly o: LeaseKeeperOptions,
  ) {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    const every = Math.max(200, (this.o.deadlineSeconds * 1000) / 3);
    this.timer = setTimeout(() => void this.extend(), every);
  }

  private async extend(): Promise<void> {
    try {
      const r = await this.client.call(
        'PubSub.ModifyAckDeadline',
        { subscription: this.o.subscription, ackIds: [this.o.ackId], ackDeadlineSeconds: this.o.deadlineSeconds },
        { timeoutMs: Math.max(1000, (this.o.deadlineSeconds * 1000) / 3) },
      );
      if (!this.stopped && r.cancelledAckIds.includes(this.o.ackId)) this.o.onCancelled();
    } catch (err) {
      if (!this.stopped && err instanceof OurciError && err.code === ErrorCode.Conflict) {
        this.stopped = true;
        this.o.onLost();
        return;
      }
      // Unreachable master or a timeout: try again at the next tick.
    }
    this.schedule();
  }
}
