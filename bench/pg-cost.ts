/**
 * `node --import tsx bench/pg-cost.ts`: the PostgreSQL store's cost per message and per received
 * request, alone: no HTTP, no engine, one process, a local worker that takes every hand-off (as
 * role `all` does). Each send round creates 64 messages (one group commit, as 64 API calls in one
 * event-loop turn are) and records a success for each delivery handed over; each receive round
 * receives 64 requests (a Stripe-like JSON body, 10 headers, a dedup key, one route with its
 * targets given, as the ingest passes them) and records a success for each event.
 *
 * Three figures per message, which hold under load where wall-clock figures do not: the CPU of
 * this process (`process.cpuUsage`), the CPU of the PostgreSQL backends serving its pool (from
 * /proc, so the server must run on this machine), and the round trips (queries sent on a
 * connection). Run it in two worktrees in turn to compare a change with its base.
 *
 * Settings: PG_COST_DATABASE_URL (BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test),
 * PG_COST_ITEMS (10000) per measured run after 30 unmeasured rounds, PG_COST_ROUNDS (3) runs of
 * each side, median printed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import pg from 'pg';
import { newId } from '../src/core/ids.js';
import type { AttemptRecord } from '../src/core/types.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import type { ClaimedDelivery, DeliveryOutcome, LocalWorker } from '../src/store/store.js';
import { endpointInput } from '../src/store/suite/fixtures.suite.js';
import { ATTEMPT_REQUEST_HEADERS as REQUEST_HEADERS, COST_PAYLOAD as PAYLOAD } from './store-cost-fixtures.js';

const URL_ =
  process.env.PG_COST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ITEMS = Number(process.env.PG_COST_ITEMS ?? 10_000);
const ROUNDS = Number(process.env.PG_COST_ROUNDS ?? 3);
const BATCH = 64;
const WARMUP_ROUNDS = 30;

/** Queries sent on a connection (a pooled query is one of these too). */
let roundTrips = 0;
const clientQuery = pg.Client.prototype.query as unknown as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...args: unknown[]) {
  roundTrips++;
  return clientQuery.apply(this, args);
};

/** A local worker with room for everything, keeping what it is handed. */
class TakingWorker implements LocalWorker {
  readonly workerId = 'wrk_cost';
  readonly leaseMs = 30_000;
  taken: ClaimedDelivery[] = [];
  reserve(wanted: number): number {
    return wanted;
  }
  unreserve(): void {}
  take(claimed: ClaimedDelivery[]): void {
    this.taken.push(...claimed);
  }
}

function success(c: ClaimedDelivery, now: number): DeliveryOutcome {
  const common = {
    id: newId('atmpt', now),
    deliveryId: c.delivery.id,
    status: 'success' as const,
    responseStatusCode: 200,
    response: 'ok',
    responseDurationMs: 2,
    requestHeaders: REQUEST_HEADERS,
    trigger: c.delivery.trigger,
    createdAt: now,
  };
  const attempt: AttemptRecord =
    c.kind === 'message'
      ? { ...common, appId: c.delivery.appId, msgId: c.message.id, endpointId: c.endpoint.id, url: c.endpoint.url }
      : { ...common, kind: 'event', requestId: c.request.id, destinationId: c.destination.id, url: c.destination.url };
  return { attempt, status: 'success', nextAttemptAt: null };
}

function backendCpuUs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10_000; // USER_HZ 100
}

interface Cost {
  clientUs: number;
  serverUs: number;
  roundTrips: number;
}

async function measure(side: 'send' | 'receive'): Promise<Cost> {
  const schema = `pgcost_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const applicationName = `hookd-cost-${process.pid}`;
  const store = await PostgresStore.open(URL_, { schema, applicationName, listen: false });
  try {
    await store.migrate();
    const worker = new TakingWorker();
    await store.queue.attachLocalWorker(worker);
    const now0 = Date.now();
    const app = await store.applications.create({ name: 'cost' }, now0);
    await store.endpoints.create(app.id, endpointInput(), now0);
    const destination = await store.destinations.create({ url: 'https://svc.example/in' }, now0);
    const route = { connectionId: null, destinationId: destination.id, targets: { destination, connection: null } };
    let seq = 0;
    const round = async () => {
      const now = Date.now();
      if (side === 'send') {
        const create = () =>
          store.messages.create({ appRef: app.id, eventType: 'invoice.paid', payload: PAYLOAD }, now);
        await Promise.all(Array.from({ length: BATCH }, create));
      } else {
        const receive = () => {
          const id = `evt_${++seq}_${now}`;
          const body = Buffer.from(PAYLOAD.replace('in_1234567890', id));
          const headers: [string, string][] = [
            ['host', '127.0.0.1:8071'],
            ['user-agent', 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'],
            ['content-type', 'application/json; charset=utf-8'],
            ['content-length', String(body.length)],
            ['stripe-signature', `t=${now},v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd`],
            ['accept', '*/*; q=0.5, application/xml'],
            ['cache-control', 'no-cache'],
            ['accept-encoding', 'gzip'],
            ['x-bench-seq', String(seq)],
            ['connection', 'keep-alive'],
          ];
          const input = { sourceId: null, method: 'POST', path: '', headers, body };
          return store.inbound.receive(input, [route], { key: id, expiresAt: now + 86_400_000 }, now);
        };
        await Promise.all(Array.from({ length: BATCH }, receive));
      }
      const taken = worker.taken;
      worker.taken = [];
      await store.queue.record(
        worker.workerId,
        taken.map((c) => success(c, now)),
        now,
      );
    };
    for (let i = 0; i < WARMUP_ROUNDS; i++) await round();
    const pool = (store as unknown as { db: { pool: pg.Pool } }).db.pool;
    const pids = (
      await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
        applicationName,
      ])
    ).rows.map((r) => r.pid);
    const rounds = Math.ceil(ITEMS / BATCH);
    const startClient = process.cpuUsage();
    const startServer = backendCpuUs(pids);
    const startTrips = roundTrips;
    for (let i = 0; i < rounds; i++) await round();
    const client = process.cpuUsage(startClient);
    const items = rounds * BATCH;
    return {
      clientUs: (client.user + client.system) / items,
      serverUs: (backendCpuUs(pids) - startServer) / items,
      roundTrips: (roundTrips - startTrips) / items,
    };
  } finally {
    const admin = new pg.Client({ connectionString: URL_ });
    await store.close();
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

const sides = (process.env.PG_COST_SIDES ?? 'send,receive').split(',') as ('send' | 'receive')[];
const runs = new Map(sides.map((side) => [side, [] as Cost[]]));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (let r = 0; r < ROUNDS; r++) {
  for (const side of sides) {
    const cost = await measure(side);
    runs.get(side)!.push(cost);
    console.log(
      `${side}: client ${cost.clientUs.toFixed(1)} µs, server ${cost.serverUs.toFixed(1)} µs, ` +
        `${cost.roundTrips.toFixed(3)} round trips per item (load average ${loadavg()[0].toFixed(1)})`,
    );
  }
}
for (const [side, costs] of runs) {
  console.log(
    `${side}: median client ${median(costs.map((c) => c.clientUs)).toFixed(1)} µs, server ` +
      `${median(costs.map((c) => c.serverUs)).toFixed(1)} µs, ${median(costs.map((c) => c.roundTrips)).toFixed(3)} ` +
      `round trips per item over ${costs.length} runs`,
  );
}
