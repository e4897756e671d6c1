import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AttemptObservation, DeliveryObserver } from '../delivery/engine.js';
import type { CircuitState } from '../core/target-health.js';
import type { StoreMonitor, TargetHealthStore } from '../store/store.js';

/** The gauge's value for each state, as Prometheus needs a number. */
const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Attempt durations, seconds: from a fast loopback receiver to the 15 s default timeout. */
const ATTEMPT_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

export interface MetricsDeps {
  /** Queue figures, read at each scrape. */
  monitor: StoreMonitor;
  /** Epoch ms, for the age of the oldest due delivery. */
  now: () => number;
  /** The circuit of each endpoint that has one (the store's), read at each scrape; without it the gauge has no series. */
  circuits?: TargetHealthStore['endpointCircuits'];
}

/**
 * hookd's Prometheus metrics, in a registry of their own (not prom-client's global one: two
 * hookds in one process, as in the tests, each count their own). Counters are bumped on the hot
 * path (an object lookup and an addition); the queue and circuit figures are read from the store
 * only when scraped.
 */
export class HookdMetrics implements DeliveryObserver {
  readonly registry = new Registry();
  private readonly attempts: Counter<'kind' | 'outcome'>;
  private readonly finished: Counter<'kind' | 'status'>;
  private readonly attemptSeconds: Histogram<'kind'>;
  private readonly ingested: Counter<'source' | 'status'>;

  constructor(deps: MetricsDeps) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'hookd_process_' });
    this.attempts = new Counter({
      name: 'hookd_attempts_total',
      help: 'HTTP attempts of deliveries, by kind (message, event) and outcome (success, retry, throttled, timeout, gone, refused)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.finished = new Counter({
      name: 'hookd_deliveries_finished_total',
      help: 'Deliveries that reached a final state, by kind and status (success, fail, canceled)',
      labelNames: ['kind', 'status'],
      registers,
    });
    this.attemptSeconds = new Histogram({
      name: 'hookd_attempt_duration_seconds',
      help: 'Duration of delivery attempts, from the request sent to the response read',
      labelNames: ['kind'],
      buckets: ATTEMPT_BUCKETS_S,
      registers,
    });
    this.ingested = new Counter({
      name: 'hookd_ingest_requests_total',
      help: 'Requests received at /in/{source}, by source (as named in the URL; "" for an unknown one) and HTTP status',
      labelNames: ['source', 'status'],
      registers,
    });
    registerQueueGauges(this.registry, deps);
    registerCircuitGauge(this.registry, deps);
  }

  attempted(observation: AttemptObservation): void {
    this.attempts.inc({ kind: observation.kind, outcome: observation.outcome });
    this.attemptSeconds.observe({ kind: observation.kind }, observation.durationMs / 1000);
    if (observation.status !== 'pending') this.finished.inc({ kind: observation.kind, status: observation.status });
  }

  /** One request answered by the receive face. */
  received(sourceRef: string, status: number): void {
    this.ingested.inc({ source: sourceRef, status: String(status) });
  }
}

function registerQueueGauges(registry: Registry, deps: MetricsDeps): void {
  // Both gauges come from one query per scrape: the first collect reads, the second reuses it.
  let reading: Promise<Awaited<ReturnType<StoreMonitor['queueStats']>>> | null = null;
  const stats = () => {
    reading ??= deps.monitor.queueStats(deps.now()).finally(() => setImmediate(() => (reading = null)));
    return reading;
  };
  new Gauge({
    name: 'hookd_queue_deliveries',
    help: 'Deliveries in the queue, by state: pending (waiting, due or not), due (pending and due now), sending (leased)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { pending, due, sending } = await stats();
      this.set({ state: 'pending' }, pending);
      this.set({ state: 'due' }, due);
      this.set({ state: 'sending' }, sending);
    },
  });
  new Gauge({
    name: 'hookd_queue_oldest_due_age_seconds',
    help: 'How long the longest-waiting due delivery has been due (0 when none is)',
    registers: [registry],
    async collect() {
      const { oldestDueAt } = await stats();
      this.set(oldestDueAt === null ? 0 : Math.max(0, (deps.now() - oldestDueAt) / 1000));
    },
  });
}

function registerCircuitGauge(registry: Registry, deps: MetricsDeps): void {
  new Gauge({
    name: 'hookd_endpoint_circuit_state',
    help: 'Circuit state per endpoint: 0 closed, 1 half-open, 2 open',
    labelNames: ['endpoint'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { endpointId, circuit } of (await deps.circuits?.()) ?? []) {
        this.set({ endpoint: endpointId }, CIRCUIT_VALUE[circuit]);
      }
    },
  });
}
