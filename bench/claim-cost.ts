/**
 * Claim cost against backlog (PostgreSQL): how long a worker's batch takes when `backlog`
 * deliveries are pending, measured in this process on the store itself (no HTTP, no hookd child):
 * `queue.claim(worker, 100, lease, now)`, then `queue.record` of those 100 as successes, as
 * the delivery engine does for a batch that went well. Both are timed; the claim alone too.
 *
 * The backlog is seeded with SQL (generate_series) into a fresh schema migrated by the store:
 * one application, one endpoint (its `maxConcurrency` the batch size, so that each batch is whole), `backlog` messages with one due delivery each, plus as many as
 * the measured batches take off the queue, so that at least `backlog` stay pending throughout.
 * Then VACUUM ANALYZE, as autovacuum would have done to a backlog that built up over time, and a
 * CHECKPOINT, so that writing out the seed is not part of what is measured. The backlogs are
 * measured in alternation (see measureClaimCosts).
 */
import pg from 'pg';
import { newId } from '../src/core/ids.js';
import type { ClaimedMessage, DeliveryOutcome } from '../src/store/store.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { onInterrupt } from './children.js';
import { createBenchSchema, withClient, type BenchSchema } from './postgres.js';

export const CLAIM_BATCH = 100;
/** As the engine's lease with the default request timeout (15 s + 10 s margin). */
const LEASE_MS = 25_000;
const WORKER_ID = 'wrk_bench_claims';

export interface ClaimCostSettings {
  /** Measured batches; they follow `warmupBatches` unmeasured ones (plans, caches, JIT). */
  batches: number;
  warmupBatches: number;
  /** The message payload stored with every seeded message. */
  payloadJson: string;
}

export interface ClaimCostResult {
  backlog: number;
  seedMs: number;
  /** claim + record per batch, ms, in the order measured. */
  batchMs: number[];
  /** The claim's share of each batch, ms. */
  claimMs: number[];
}

/**
 * Measures every backlog in `backlogs`, each in its own schema, seeded first; the batches then
 * alternate between the schemas (one batch of each in turn), so that whatever else the machine
 * does during the measurement weighs on every backlog alike.
 */
export async function measureClaimCosts(
  baseUrl: string,
  backlogs: number[],
  settings: ClaimCostSettings,
  progress: (line: string) => void = () => undefined,
): Promise<ClaimCostResult[]> {
  const queues: Queue[] = [];
  try {
    for (const backlog of backlogs) {
      progress(`postgres: claim cost: seeding ${backlog.toLocaleString('en-US')} pending deliveries`);
      queues.push(await Queue.seed(baseUrl, backlog, settings));
    }
    progress(
      `postgres: claim cost: ${settings.warmupBatches} + ${settings.batches} batches of ${CLAIM_BATCH} per backlog, in turn`,
    );
    for (let i = 0; i < settings.warmupBatches + settings.batches; i++) {
      for (const queue of queues) await queue.batch(i, i >= settings.warmupBatches);
    }
    return queues.map((q) => q.result);
  } finally {
    for (const queue of queues) await queue.close();
  }
}

/** One backlog: its schema, the store on it, and the times measured so far. */
class Queue {
  readonly result: ClaimCostResult;

  private constructor(
    private readonly schema: BenchSchema,
    private readonly store: PostgresStore,
    private readonly seededAt: number,
    backlog: number,
    seedMs: number,
  ) {
    this.result = { backlog, seedMs, batchMs: [], claimMs: [] };
  }

  static async seed(baseUrl: string, backlog: number, settings: ClaimCostSettings): Promise<Queue> {
    const schema = await createBenchSchema(baseUrl);
    let store: PostgresStore | null = null;
    try {
      store = await PostgresStore.open(schema.url, { listen: false, poolSize: 2 });
      await store.migrate();
      const taken = (settings.warmupBatches + settings.batches) * CLAIM_BATCH;
      const now = Date.now();
      const started = performance.now();
      await seedBacklog(schema.url, backlog + taken, now, settings.payloadJson);
      return new Queue(schema, store, now, backlog, performance.now() - started);
    } catch (err) {
      await store?.close();
      await schema.drop();
      throw err;
    }
  }

  /** Batch `i`: claim 100, record them as successes; times kept when `measured`. */
  async batch(i: number, measured: boolean): Promise<void> {
    // Every seeded delivery is due before `at`; ids minted at `at` sort after the seeded ones.
    const at = this.seededAt + 1 + i;
    const started = performance.now();
    const claimed = await this.store.queue.claim(WORKER_ID, CLAIM_BATCH, LEASE_MS, at);
    const claimedAt = performance.now();
    if (claimed.length !== CLAIM_BATCH) {
      throw new Error(`batch ${i}: claimed ${claimed.length} of ${CLAIM_BATCH} with ${this.result.backlog} pending`);
    }
    const outcomes = (claimed as ClaimedMessage[]).map((c) =>
      success(c.delivery.id, c.delivery.appId, c.message.id, c.endpoint.id, c.endpoint.url, at),
    );
    await this.store.queue.record(WORKER_ID, outcomes, at);
    if (measured) {
      this.result.batchMs.push(performance.now() - started);
      this.result.claimMs.push(claimedAt - started);
    }
  }

  async close(): Promise<void> {
    await this.store.close();
    await this.schema
      .drop()
      .catch((err: Error) =>
        process.stderr.write(`bench: could not drop schema ${this.schema.name}: ${err.message}\n`),
      );
  }
}

/** One attempt that got a 200, as the engine records it. */
function success(
  deliveryId: string,
  appId: string,
  msgId: string,
  endpointId: string,
  url: string,
  at: number,
): DeliveryOutcome {
  return {
    attempt: {
      kind: 'message',
      id: newId('atmpt', at),
      deliveryId,
      appId,
      msgId,
      endpointId,
      url,
      status: 'success',
      responseStatusCode: 200,
      response: '',
      responseDurationMs: 2,
      requestHeaders: {
        'content-type': 'application/json',
        'user-agent': 'hookd',
        'webhook-id': msgId,
        'webhook-timestamp': String(Math.floor(at / 1000)),
        'webhook-signature': '[redacted]',
      },
      trigger: 0,
      createdAt: at,
    },
    status: 'success',
    nextAttemptAt: null,
  };
}

/**
 * `count` messages with one pending delivery each, due (and created) one ms apart, the last just
 * before `now`. Foreign-key triggers are skipped while seeding (session_replication_role; the rows
 * are consistent by construction) where the role may do so: it halves the time of a large seed.
 */
async function seedBacklog(url: string, count: number, now: number, payloadJson: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'hookd-bench-seed' });
  await client.connect();
  // Interrupted mid-seed: cancel the statement, or its locks would hold up DROP SCHEMA.
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const forget = onInterrupt(() =>
    withClient(url, (c) => c.query('SELECT pg_cancel_backend($1)', [rows[0].pid])).then(() => undefined),
  );
  try {
    await client.query('SET synchronous_commit = off');
    await client.query('SET session_replication_role = replica').catch(() => undefined); // superusers only
    await client.query(
      `INSERT INTO applications (id, uid, name, metadata, throttle_rate, created_at, updated_at)
       VALUES ('app_bench', NULL, 'bench-claims', '{}', NULL, $1, $1)`,
      [now],
    );
    await client.query(
      `INSERT INTO endpoints (id, app_id, uid, url, description, event_types, channels, disabled, metadata,
         throttle_rate, headers, secrets, created_at, updated_at, max_concurrency)
       VALUES ('ep_bench', 'app_bench', NULL, 'http://127.0.0.1:9/bench', '', NULL, NULL, false, '{}',
         NULL, '{}', '[{"key":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","expiresAt":null}]', $1, $1, ${CLAIM_BATCH})`,
      [now],
    );
    const params = [count, now];
    await client.query(
      `INSERT INTO messages (id, app_id, event_type, event_id, channels, payload, created_at)
       SELECT 'msg_' || lpad(i::text, 27, '0'), 'app_bench', 'bench.event', NULL, NULL, $3, $2::bigint - $1 + i
       FROM generate_series(1, $1::int) AS i`,
      [...params, payloadJson],
    );
    await client.query(
      `INSERT INTO deliveries (id, app_id, msg_id, endpoint_id, status, trigger, attempt_count, next_attempt_at,
         lease_owner, lease_until, created_at, updated_at)
       SELECT 'dlv_' || lpad(i::text, 27, '0'), 'app_bench', 'msg_' || lpad(i::text, 27, '0'), 'ep_bench', 'pending', 0, 0,
         $2::bigint - $1 + i, NULL, NULL, $2::bigint - $1 + i, $2::bigint - $1 + i
       FROM generate_series(1, $1::int) AS i`,
      params,
    );
    await client.query('VACUUM ANALYZE messages');
    await client.query('VACUUM ANALYZE deliveries');
    // The seed's WAL (over a GB for a million rows) would otherwise be checkpointed, with its I/O,
    // during the batches that are measured. Superusers (or pg_checkpoint members) only.
    await client.query('CHECKPOINT').catch(() => undefined);
  } finally {
    forget();
    await client.end();
  }
}
