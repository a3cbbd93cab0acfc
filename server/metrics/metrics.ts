// Prometheus metrics (prom-client), one registry per master so several masters can live
// in one process (tests). Gauges are computed at scrape time from the services' own state.
import { Counter, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';
import type { PubSubService } from '../pubsub/pubsub-service';

export class Metrics {
  readonly registry = new PromRegistry();
  readonly dispatchLatency: Histogram;
  readonly redeliveries: Counter;
  readonly dropped: Counter;
  readonly rpcConnections: Gauge;

  constructor(pubsub: () => PubSubService, connections: () => number) {
    const reg = [this.registry];
    const perSub = (name: string, help: string, pick: (s: ReturnType<PubSubService['listSubscriptions']>[number]) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['subscription', 'topic'],
        registers: reg,
        collect() {
          this.reset();
          for (const s of pubsub().listSubscriptions()) this.set({ subscription: s.name, topic: s.topic }, pick(s));
        },
      });
    };
    perSub('ourci_pubsub_backlog_messages', 'Messages waiting for delivery', (s) => s.backlog);
    perSub('ourci_pubsub_inflight_messages', 'Messages leased and not yet acknowledged', (s) => s.inFlight);
    perSub('ourci_pubsub_dead_letter_messages', 'Messages that exhausted their delivery attempts', (s) => s.deadLettered);
    perSub('ourci_pubsub_oldest_unacked_age_seconds', 'Age of the oldest unacknowledged message', (s) => s.oldestUnackedAgeSeconds);
    perSub('ourci_pubsub_waiting_pullers', 'Long polls waiting on the subscription', (s) => s.waitingPullers);
    this.rpcConnections = new Gauge({
      name: 'ourci_rpc_connections',
      help: 'WebSocket RPC clients connected',
      registers: reg,
      collect() {
        this.set(connections());
      },
    });
    this.dispatchLatency = new Histogram({
      name: 'ourci_pubsub_dispatch_latency_seconds',
      help: 'Time from publish to first delivery',
      labelNames: ['subscription'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: reg,
    });
    this.redeliveries = new Counter({
      name: 'ourci_pubsub_lease_expirations_total',
      help: 'Leases that ran out without ack or nack (holder presumed lost)',
      labelNames: ['subscription'],
      registers: reg,
    });
    this.dropped = new Counter({
      name: 'ourci_pubsub_dropped_total',
      help: 'Messages that left a subscription unacknowledged, by reason',
      labelNames: ['subscription', 'reason'],
      registers: reg,
    });
  }
}
