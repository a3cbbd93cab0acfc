// Live updates: one `Events.Subscribe` per topic however many views listen to it, batched per
// tick; topics are subscribed again after a reconnect, and views are told to re-read what they
// show (events sent while we were away are gone). A view reads its data only once its topics
// are subscribed (`ready`), so nothing can change unseen between the read and the subscribe.
import type { MasterRpc } from './master-api';

export interface LiveEvent {
  topic: string;
  type: string;
  data: unknown;
}

type Handler = (ev: LiveEvent) => void;

export interface Subscription {
  /** Resolves once the master confirmed the topic (or could not be reached: read anyway). */
  ready: Promise<void>;
  off(): void;
}

interface TopicState {
  handlers: Set<Handler>;
  ready: Promise<void>;
  confirm?: () => void;
}

export class EventHub {
  private readonly topics = new Map<string, TopicState>();
  private readonly resyncs = new Set<() => void>();
  private toAdd = new Set<string>();
  private toRemove = new Set<string>();
  private scheduled = false;

  constructor(private readonly rpc: MasterRpc) {
    rpc.on('Events.Event', (p) => this.dispatch(p as LiveEvent));
    rpc.onReconnect(() => {
      const topics = [...this.topics.keys()];
      void this.subscribeNow(topics).finally(() => {
        for (const fn of this.resyncs) fn();
      });
    });
  }

  /** Calls `fn` for every event on `topic` until `off()`. */
  subscribe(topic: string, fn: Handler): Subscription {
    let st = this.topics.get(topic);
    if (!st) {
      let confirm: (() => void) | undefined;
      const ready = new Promise<void>((r) => (confirm = r));
      st = { handlers: new Set(), ready, confirm };
      this.topics.set(topic, st);
      if (this.toRemove.delete(topic)) st.confirm!(); // never left the master's list
      else this.toAdd.add(topic);
      this.schedule();
    }
    st.handlers.add(fn);
    const mine = st;
    return {
      ready: mine.ready,
      off: () => {
        if (this.topics.get(topic) !== mine || !mine.handlers.delete(fn) || mine.handlers.size > 0) return;
        this.topics.delete(topic);
        if (!this.toAdd.delete(topic)) this.toRemove.add(topic);
        mine.confirm?.();
        this.schedule();
      },
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
      const batch = topics.slice(i, i + 100);
      try {
        await this.rpc.call('Events.Subscribe', { topics: batch }, { timeoutMs: 0 });
      } catch {
        // Not connected: the reconnect hook subscribes again (and views re-read then).
      }
      for (const t of batch) this.topics.get(t)?.confirm?.();
    }
  }

  private dispatch(ev: LiveEvent): void {
    const st = this.topics.get(ev.topic);
    if (st) for (const fn of [...st.handlers]) fn(ev);
  }
}
