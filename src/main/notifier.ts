// Which bench events become desktop notifications (failures: a failed task or flash, a board
// quarantined or lost), and a gate so a flapping board cannot flood the desktop.
import type { BenchEvent } from '../shared/bench/model';

export interface DesktopNotification {
  title: string;
  body: string;
}

export function notificationFor(e: BenchEvent): DesktopNotification | undefined {
  if (e.type !== 'notice' || e.level === 'info') return undefined;
  return { title: e.level === 'error' ? 'OurCI bench: failure' : 'OurCI bench: warning', body: e.text };
}

export class NotificationGate {
  private readonly recent = new Map<string, number>();
  private sent: number[] = [];

  constructor(
    private readonly opts: { sameTextMs: number; perMinute: number } = { sameTextMs: 60_000, perMinute: 6 },
    private readonly now: () => number = Date.now,
  ) {}

  /** True when this notification may be shown now. */
  allow(n: DesktopNotification): boolean {
    const t = this.now();
    const last = this.recent.get(n.body);
    if (last !== undefined && t - last < this.opts.sameTextMs) return false;
    this.sent = this.sent.filter((x) => t - x < 60_000);
    if (this.sent.length >= this.opts.perMinute) return false;
    this.sent.push(t);
    this.recent.set(n.body, t);
    if (this.recent.size > 200) this.recent.delete(this.recent.keys().next().value!);
    return true;
  }
}
