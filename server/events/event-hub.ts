// Live updates: services emit (topic, type, data); WebSocket channels subscribed through
// Events.Subscribe get `Events.Event` notifications; in-process listeners (GitHub statuses)
// see everything.
import { EVENT_METHOD, EventsSubscribe, EventsUnsubscribe } from '../../src/shared/events/methods';
import { BadRequestError } from '../../src/shared/errors';
import type { Channel, Registry } from '../rpc/registry';

export type EventListener = (topic: string, type: string, data: unknown) => void;

export class EventHub {
  private readonly byTopic = new Map<string, Set<Channel>>();
  private readonly byChannel = new Map<Channel, Set<string>>();
  private readonly listeners = new Set<EventListener>();

  emit(topic: string, type: string, data: unknown): void {
    for (const l of this.listeners) l(topic, type, data);
    const chans = this.byTopic.get(topic);
    if (!chans || chans.size === 0) return;
    const params = { topic, type, data };
    for (const c of chans) c.notify?.(EVENT_METHOD, params);
  }

  /** True if some channel listens to this topic (lets emitters skip building payloads). */
  hasSubscribers(topic: string): boolean {
    return (this.byTopic.get(topic)?.size ?? 0) > 0;
  }

  listen(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  subscribe(channel: Channel, topics: string[]): string[] {
    if (!channel.notify) throw new BadRequestError('Events.Subscribe needs a WebSocket connection');
    let mine = this.byChannel.get(channel);
    if (!mine) {
      mine = new Set();
      this.byChannel.set(channel, mine);
      channel.onClose(() => this.drop(channel));
    }
    for (const t of topics) {
      mine.add(t);
      let set = this.byTopic.get(t);
      if (!set) this.byTopic.set(t, (set = new Set()));
      set.add(channel);
    }
    return [...mine];
  }

  unsubscribe(channel: Channel, topics: string[]): string[] {
    const mine = this.byChannel.get(channel);
    if (!mine) return [];
    for (const t of topics) {
      mine.delete(t);
      this.removeFromTopic(t, channel);
    }
    return [...mine];
  }

  private drop(channel: Channel): void {
    const mine = this.byChannel.get(channel);
    if (!mine) return;
    for (const t of mine) this.removeFromTopic(t, channel);
    this.byChannel.delete(channel);
  }

  private removeFromTopic(t: string, channel: Channel): void {
    const set = this.byTopic.get(t);
    if (!set) return;
    set.delete(channel);
    if (set.size === 0) this.byTopic.delete(t);
  }
}

export function registerEventMethods(registry: Registry, hub: EventHub): void {
  registry.add(EventsSubscribe, ({ topics }, ctx) => ({ subscribed: hub.subscribe(ctx.channel, topics) }));
  registry.add(EventsUnsubscribe, ({ topics }, ctx) => ({ subscribed: hub.unsubscribe(ctx.channel, topics) }));
}
