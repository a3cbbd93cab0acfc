// Live updates: one `Events.Subscribe` per topic however many views listen to it, batched per
// tick; topics are subscribed again after a reconnect, and views are told to re-read what they
// show (events sent while we were away are gone).
import type { MasterRpc } from './master-api';

export interface LiveEvent {
  topic: string;
  type: string;
  data: unknown;
}

type Handler = (ev: LiveEvent) => void;

export class EventHub {
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly resyncs = new Set<() => void>();
  private toAdd = new Set<string>();
  private toRemove = new Set<string>();
  private scheduled = false;

  constructor(private readonly rpc: MasterRpc) {
    rpc.on('Events.Event', (p) => this.dispatch(p as LiveEvent));
    rpc.onReconnect(() => {
      const topics = [...this.handlers.keys()];
      const again = topics.length ? this.subscribeNow(topics) : Promise.resolve();
      void again.finally(() => {
        for (const fn of this.resyncs) fn();
      });
    });
  }

  /** Calls `fn` for every event on `topic` until the returned function is called. */
  subscribe(topic: string, fn: Handler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      this.handlers.set(topic, (set = new Set()));
      if (!this.toRemove.delete(topic)) this.toAdd.add(topic);
      this.schedule();
    }
    set.add(fn);
    return () => {
      const s = this.handlers.get(topic);
      if (!s || !s.delete(fn) || s.size > 0) return;
      this.handlers.delete(topic);
      if (!this.toAdd.delete(topic)) this.toRemove.add(topic);
      this.schedule();
    };
  }

  /** Called after a reconnect, once topics are subscribed again: re-read your data. */
  onResync(fn: () => void): () => void {
    this.resyncs.add(fn);
    return () => this.resyncs.delete(fn);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const add = [...this.toAdd];
      const remove = [...this.toRemove];
      this.toAdd.clear();
      this.toRemove.clear();
      if (add.length) void this.subscribeNow(add);
      for (let i = 0; i < remove.length; i += 100) {
        this.rpc.call('Events.Unsubscribe', { topics: remove.slice(i, i + 100) }, { timeoutMs: 10_000 }).catch(() => undefined);
      }
    });
  }

  private async subscribeNow(topics: string[]): Promise<void> {
    for (let i = 0; i < topics.length; i += 100) {
      try {
        await this.rpc.call('Events.Subscribe', { topics: topics.slice(i, i + 100) }, { timeoutMs: 0 });
      } catch {
        // Not connected: the reconnect hook subscribes again.
      }
    }
  }

  private dispatch(ev: LiveEvent): void {
    const set = this.handlers.get(ev.topic);
    if (set) for (const fn of [...set]) fn(ev);
  }
}
