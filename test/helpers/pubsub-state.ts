// Reads a live master's Pub/Sub state in-process, for "this changed nothing" assertions
// and for waiting on conditions (a puller is parked, a lease ran out) instead of sleeping.
import { expect } from 'vitest';
import type { Master } from '../../server/master';
import type { MasterClient } from '../../src/client/master-client';
import { waitFor } from './master';

export function sub(m: Master, name: string) {
  const s = m.pubsub.listSubscriptions().find((x) => x.name === name);
  if (!s) throw new Error(`no subscription ${name}`);
  return s;
}

/** Everything observable about the queue, minus what moves with the clock. */
export function snapshot(m: Master) {
  const subs = m.pubsub
    .listSubscriptions()
    .map(({ oldestUnackedAgeSeconds: _age, ...rest }) => rest)
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    topics: m.pubsub.listTopics().sort((a, b) => a.name.localeCompare(b.name)),
    subs,
    dead: subs.map((s) => m.pubsub.deadLetters(s.name, 1000).map((d) => `${d.messageId}@${d.deliveryAttempt}`)),
  };
}

export function waitPullers(m: Master, name: string, n: number): Promise<true> {
  const waiting = (): number | undefined => m.pubsub.listSubscriptions().find((x) => x.name === name)?.waitingPullers;
  return waitFor(() => waiting() === n || undefined, 15_000, `${n} pullers waiting on ${name}`);
}

/** Pulls exactly one message (failing the test otherwise). */
export async function pullOne(c: MasterClient, subscription: string, waitSeconds = 0) {
  const { receivedMessages } = await c.call('PubSub.Pull', { subscription, waitSeconds });
  expect(receivedMessages).toHaveLength(1);
  return receivedMessages[0]!;
}
