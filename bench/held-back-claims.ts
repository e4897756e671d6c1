/**
 * Claim cost behind a held-back backlog (issue 11), on both backends, in this process on the store
 * itself (no HTTP): an endpoint `stalled` at its limit (16 live leases) with `heldBack` due
 * deliveries behind it, older than anything else, beside an endpoint `healthy` of another
 * application. Each batch creates 100 messages to `healthy` (store API, untimed), then times
 * `queue.claim(worker, 100)`, which must take exactly those 100, and records them as successes.
 * A claim that walked the due index past `stalled`'s backlog would cost more with every held-back
 * row; one that walks targets costs the same.
 *
 * Also `idleTargets`: a store with no held-back backlog but that many endpoints with one retry
 * scheduled later (pending, not due), what the claim's walk over targets with pending work does
 * pay for (one index seek each).
 *
 * The held-back rows are seeded with SQL (a recursive CTE on SQLite, generate_series on
 * PostgreSQL). The stores are measured in turn, batch by batch, so that the machine's load weighs
 * on all alike.
 *
 *   node --import tsx bench/held-back-claims.ts            SQLite, and PostgreSQL at BENCH_DATABASE_URL
 *   BENCH_HELD_BACK=0,10000,100000 BENCH_BATCHES=20 ...
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { ClaimedMessage, Store } from '../src/store/store.js';
import { createBenchSchema, DEFAULT_DATABASE_URL, type BenchSchema, withClient } from './postgres.js';

const BATCH = 100;
const LEASE_MS = 25_000;
const STALLED_LIMIT = 16;

interface Scenario {
  label: string;
  heldBack: number;
  idleTargets: number;
}

interface Subject {
  scenario: Scenario;
  store: Store;
  healthyApp: string;
  claimMs: number[];
  close(): Promise<void>;
}

/** Rows that hold `stalled` at its limit, its held-back backlog and the idle targets, as SQL for one backend. */
function seedStatements(s: Scenario, t0: number, series: (n: number, body: string) => string): string[] {
  const held = series(
    s.heldBack,
    `'msg_held_' || printf_pad(i), 'app_stalled', 'bench.event', NULL, NULL, '{}', ${t0} - 1000000 + i`,
  );
  return [
    // Its limit's worth of live leases: the endpoint is full, its due backlog held back.
    `INSERT INTO messages (id, app_id, event_type, event_id, channels, payload, created_at) ${series(
      STALLED_LIMIT,
      `'msg_live_' || printf_pad(i), 'app_stalled', 'bench.event', NULL, NULL, '{}', ${t0} - 2000000`,
    )}`,
    `INSERT INTO deliveries (id, kind, app_id, msg_id, endpoint_id, status, trigger, attempt_count, next_attempt_at,
       lease_owner, lease_until, created_at, updated_at) ${series(
         STALLED_LIMIT,
         `'dlv_live_' || printf_pad(i), 'message', 'app_stalled', 'msg_live_' || printf_pad(i), 'ep_stalled',
          'sending', 0, 0, ${t0} - 2000000, 'wrk_stalled', ${t0 + 3_600_000}, ${t0} - 2000000, ${t0} - 2000000`,
       )}`,
    `INSERT INTO messages (id, app_id, event_type, event_id, channels, payload, created_at) ${held}`,
    `INSERT INTO deliveries (id, kind, app_id, msg_id, endpoint_id, status, trigger, attempt_count, next_attempt_at,
       lease_owner, lease_until, created_at, updated_at) ${series(
         s.heldBack,
         `'dlv_held_' || printf_pad(i), 'message', 'app_stalled', 'msg_held_' || printf_pad(i), 'ep_stalled',
          'pending', 0, 0, ${t0} - 1000000 + i, NULL, NULL, ${t0} - 1000000 + i, ${t0} - 1000000 + i`,
       )}`,
    // Idle targets: an endpoint each (of the stalled application), one retry due in an hour.
    `INSERT INTO endpoints (id, app_id, uid, url, description, event_types, channels, disabled, metadata,
       throttle_rate, headers, secrets, created_at, updated_at) ${series(
         s.idleTargets,
         `'ep_idle_' || printf_pad(i), 'app_stalled', NULL, 'http://127.0.0.1:9/idle', '', NULL, NULL, FALSE, '{}',
          NULL, '{}', '[]', ${t0}, ${t0}`,
       )}`,
    `INSERT INTO messages (id, app_id, event_type, event_id, channels, payload, created_at) ${series(
      s.idleTargets,
      `'msg_idle_' || printf_pad(i), 'app_stalled', 'bench.event', NULL, NULL, '{}', ${t0} - 500000`,
    )}`,
    `INSERT INTO deliveries (id, kind, app_id, msg_id, endpoint_id, status, trigger, attempt_count, next_attempt_at,
       lease_owner, lease_until, created_at, updated_at) ${series(
         s.idleTargets,
         `'dlv_idle_' || printf_pad(i), 'message', 'app_stalled', 'msg_idle_' || printf_pad(i), 'ep_idle_' || printf_pad(i),
          'pending', 0, 1, ${t0 + 3_600_000}, NULL, NULL, ${t0} - 500000, ${t0} - 500000`,
       )}`,
  ];
}

/** The endpoints both scenarios share, made through the store (the stalled one has no throttle, no circuit). */
async function createEndpoints(store: Store, t0: number): Promise<string> {
  const stalledApp = await store.applications.create({ name: 'stalled', uid: 'stalled' }, t0);
  const healthyApp = await store.applications.create({ name: 'healthy', uid: 'healthy' }, t0);
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  await store.endpoints.create(healthyApp.id, { url: 'http://127.0.0.1:9/ok', secret, maxConcurrency: BATCH }, t0);
  const stalled = await store.endpoints.create(
    stalledApp.id,
    { url: 'http://127.0.0.1:9/stalled', secret, maxConcurrency: STALLED_LIMIT },
    t0 + 1,
  );
  return `${stalledApp.id} ${stalled.id} ${healthyApp.id}`;
}

/** Replaces the placeholder ids of the seed with the store's. */
function withIds(sql: string, ids: string): string {
  const [app, endpoint] = ids.split(' ');
  return sql.replaceAll("'app_stalled'", `'${app}'`).replaceAll("'ep_stalled'", `'${endpoint}'`);
}

async function openSqlite(scenario: Scenario, dir: string, t0: number): Promise<Subject> {
  const path = join(dir, `${scenario.label.replace(/\W+/g, '-')}.db`);
  const store = SqliteStore.open(path, { fairLimits: { endpoint: 16, application: 100_000 } });
  await store.migrate();
  const ids = await createEndpoints(store, t0);
  const db = new Database(path);
  const series = (n: number, body: string) =>
    `WITH RECURSIVE s(i) AS (SELECT 1 WHERE ${n} > 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})
     SELECT ${body.replaceAll('printf_pad(i)', "printf('%09d', i)").replaceAll('FALSE', '0')} FROM s`;
  db.transaction(() => {
    for (const sql of seedStatements(scenario, t0, series)) db.exec(withIds(sql, ids));
  })();
  db.exec('ANALYZE');
  db.close();
  return subject(scenario, store, ids.split(' ')[2], async () => store.close());
}

async function openPostgres(scenario: Scenario, baseUrl: string, t0: number): Promise<Subject> {
  const schema: BenchSchema = await createBenchSchema(baseUrl);
  const store = await PostgresStore.open(schema.url, {
    listen: false,
    poolSize: 2,
    fairLimits: { endpoint: 16, application: 100_000 },
  });
  await store.migrate();
  const ids = await createEndpoints(store, t0);
  const series = (n: number, body: string) =>
    `SELECT ${body.replaceAll('printf_pad(i)', "lpad(i::text, 9, '0')")} FROM generate_series(1, ${n}) AS i`;
  await withClient(schema.url, async (client: pg.Client) => {
    await client.query('SET synchronous_commit = off');
    for (const sql of seedStatements(scenario, t0, series)) await client.query(withIds(sql, ids));
    await client.query('VACUUM ANALYZE deliveries');
    await client.query('VACUUM ANALYZE messages');
  });
  return subject(scenario, store, ids.split(' ')[2], async () => {
    await store.close();
    await schema.drop();
  });
}

function subject(scenario: Scenario, store: Store, healthyApp: string, close: () => Promise<void>): Subject {
  return { scenario, store, healthyApp, claimMs: [], close };
}

/** Batch `i`: 100 messages to `healthy`, the claim timed, the outcomes recorded. */
async function batch(s: Subject, at: number, measured: boolean): Promise<void> {
  await Promise.all(
    Array.from({ length: BATCH }, () =>
      s.store.messages.create({ appRef: s.healthyApp, eventType: 'bench.event', payload: '{}' }, at),
    ),
  );
  const started = performance.now();
  const claimed = await s.store.queue.claim('wrk_bench', BATCH, LEASE_MS, at + 1);
  const ms = performance.now() - started;
  if (claimed.length !== BATCH || claimed.some((c) => c.kind !== 'message' || c.endpoint.url.endsWith('stalled'))) {
    throw new Error(`${s.scenario.label}: claimed ${claimed.length}, not the healthy endpoint's ${BATCH}`);
  }
  if (measured) s.claimMs.push(ms);
  await s.store.queue.record(
    'wrk_bench',
    (claimed as ClaimedMessage[]).map((c) => ({
      attempt: {
        kind: 'message' as const,
        id: `atmpt_${c.delivery.id}`,
        deliveryId: c.delivery.id,
        appId: c.delivery.appId,
        msgId: c.message.id,
        endpointId: c.endpoint.id,
        url: 'http://127.0.0.1:9/ok',
        status: 'success' as const,
        responseStatusCode: 200,
        response: '',
        responseDurationMs: 1,
        requestHeaders: {},
        trigger: 0,
        createdAt: at + 2,
      },
      status: 'success' as const,
      nextAttemptAt: null,
    })),
    at + 2,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const heldBacks = (process.env.BENCH_HELD_BACK ?? '0,10000,100000').split(',').map(Number);
  const idle = Number(process.env.BENCH_IDLE_TARGETS ?? '10000');
  const batches = Number(process.env.BENCH_BATCHES ?? '20');
  const warmup = 3;
  const scenarios: Scenario[] = heldBacks.map((n) => ({ label: `${n} held back`, heldBack: n, idleTargets: 0 }));
  if (idle > 0) scenarios.push({ label: `${idle} idle targets`, heldBack: 0, idleTargets: idle });
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'hookd-held-back-'));
  const url = process.env.BENCH_DATABASE_URL ?? process.env.HOOKD_TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const backends: [string, (s: Scenario) => Promise<Subject>][] = [
    ['sqlite', (s) => openSqlite(s, dir, t0)],
    ['postgres', (s) => openPostgres(s, url, t0)],
  ];
  try {
    for (const [backend, open] of backends) {
      const subjects: Subject[] = [];
      try {
        for (const s of scenarios) subjects.push(await open(s));
        for (let i = 0; i < warmup + batches; i++) {
          for (const s of subjects) await batch(s, t0 + 10 * i, i >= warmup);
        }
        for (const s of subjects) {
          process.stdout.write(
            `${backend.padEnd(8)} ${s.scenario.label.padEnd(20)} claim of ${BATCH}: median ${median(s.claimMs).toFixed(2)} ms, ` +
              `mean ${mean(s.claimMs).toFixed(2)} ms (${batches} batches)\n`,
          );
        }
      } finally {
        for (const s of subjects) await s.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    `load average ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
}

await main();
