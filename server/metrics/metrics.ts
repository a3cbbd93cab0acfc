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

  readonly tasksEnded: Counter;
  readonly taskDuration: Histogram;
  /** Histogram children per subscription: a first delivery costs no label hashing. */
  private readonly dispatchBySub = new Map<string, { observe(v: number): void }>();

  constructor(
    pubsub: () => PubSubService,
    connections: () => number,
    work: () => { queued: number; running: number; jobs: number; agents: number },
  ) {
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
    new Gauge({
      name: 'ourci_tasks',
      help: 'Unfinished tasks by status',
      labelNames: ['status'],
      registers: reg,
      collect() {
        const w = work();
        this.set({ status: 'queued' }, w.queued);
        this.set({ status: 'running' }, w.running);
      },
    });
    new Gauge({
      name: 'ourci_jobs_running',
      help: 'Jobs not finished yet',
      registers: reg,
      collect() {
        this.set(work().jobs);
      },
    });
    new Gauge({
      name: 'ourci_agents_connected',
      help: 'Agents registered on a live connection',
      registers: reg,
      collect() {
        this.set(work().agents);
      },
    });
    this.tasksEnded = new Counter({
      name: 'ourci_tasks_finished_total',
      help: 'Tasks that ended, by final status',
      labelNames: ['status', 'topic'],
      registers: reg,
    });
    this.taskDuration = new Histogram({
      name: 'ourci_task_duration_seconds',
      help: 'Task run time from first start to end',
      labelNames: ['topic'],
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers: reg,
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

  /** Dispatch latency of a first delivery (the Pub/Sub hot path: one call per message). */
  observeDispatch(subscription: string, seconds: number): void {
    let child = this.dispatchBySub.get(subscription);
    if (!child) this.dispatchBySub.set(subscription, (child = this.dispatchLatency.labels({ subscription })));
    child.observe(seconds);
  }
}
