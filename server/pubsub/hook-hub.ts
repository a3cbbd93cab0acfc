// Lets several layers (metrics, tasks) listen to the queue without the queue knowing them.
import type { DropEvent, LeaseEvent, PubSubHooks } from './model';

export class HookHub implements PubSubHooks {
  private readonly list: PubSubHooks[] = [];

  add(h: PubSubHooks): void {
    this.list.push(h);
  }

  onDrop(ev: DropEvent): void {
    for (const h of this.list) h.onDrop?.(ev);
  }

  onLeaseExpired(ev: LeaseEvent): void {
    for (const h of this.list) h.onLeaseExpired?.(ev);
  }

  onNack(ev: LeaseEvent): void {
    for (const h of this.list) h.onNack?.(ev);
  }

  isCancelled(ev: LeaseEvent): boolean {
    for (const h of this.list) if (h.isCancelled?.(ev)) return true;
    return false;
  }

  onDelivered(subscription: string, sincePublishMs: number): void {
    for (const h of this.list) h.onDelivered?.(subscription, sincePublishMs);
  }
}
