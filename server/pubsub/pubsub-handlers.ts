// RPC handlers of the PubSub.* namespace: thin adapters from the contract to the service.
import * as M from '../../src/shared/pubsub/methods';
import type { Registry } from '../rpc/registry';
import type { PubSubService } from './pubsub-service';

const toMillis = (t: string | number | undefined): number | undefined =>
  t === undefined ? undefined : typeof t === 'number' ? t : Date.parse(t);

export function registerPubSubMethods(registry: Registry, ps: PubSubService): void {
  registry.add(M.CreateTopic, ({ name }) => ({ name, created: ps.createTopic(name).created }));
  registry.add(M.DeleteTopic, ({ name }) => ({ deleted: ps.deleteTopic(name) }));
  registry.add(M.CreateSubscription, ({ name, topic, ...settings }) => {
    const { sub, created } = ps.createSubscription(name, topic, settings);
    return { subscription: ps.describe(sub), created };
  });
  registry.add(M.UpdateSubscription, ({ name, ...settings }) => ({
    subscription: ps.describe(ps.updateSubscription(name, settings)),
  }));
  registry.add(M.DeleteSubscription, ({ name }) => ({ deleted: ps.deleteSubscription(name) }));
  registry.add(M.ListTopics, () => ({ topics: ps.listTopics() }));
  registry.add(M.ListSubscriptions, ({ topic }) => ({ subscriptions: ps.listSubscriptions(topic) }));
  registry.add(M.Publish, ({ topic, messages }) => ({
    messageIds: ps.publish(
      topic,
      messages.map((m) => ({ data: m.data, attributes: m.attributes, expireTime: toMillis(m.expireTime) })),
    ),
  }));
  registry.add(M.Pull, async (p, ctx) => {
    const subscriptions = p.subscriptions ?? [p.subscription!];
    ps.pullTargets(subscriptions); // a pull that will be refused must not ack anything first
    const lost = p.ackIds?.length ? ps.acknowledge(undefined, p.ackIds, false).lost : [];
    // Nobody would receive what a notification pulls: lease nothing (its acks still count).
    if (ctx.notification) return { receivedMessages: [] };
    const receivedMessages = await ps.pull({
      subscriptions,
      max: p.maxMessages ?? 1,
      waitMs: (p.waitSeconds ?? 30) * 1000,
      signal: ctx.signal,
    });
    return lost.length ? { receivedMessages, lostAckIds: lost } : { receivedMessages };
  });
  registry.add(M.Acknowledge, ({ subscription, ackIds }) => ({
    acknowledged: ps.acknowledge(subscription, ackIds, true).acked,
  }));
  registry.add(M.ModifyAckDeadline, ({ subscription, ackIds, ackDeadlineSeconds }) => {
    const r = ps.modifyAckDeadline(subscription, ackIds, ackDeadlineSeconds);
    return { modified: r.modified, cancelledAckIds: r.cancelled };
  });
  registry.add(M.ListDeadLetters, ({ subscription, limit }) => ({
    messages: ps.deadLetters(subscription, limit ?? 100),
  }));
  registry.add(M.Requeue, ({ subscription, messageIds }) => ({ requeued: ps.requeue(subscription, messageIds) }));
}
