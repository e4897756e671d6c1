import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, sqlitePath, type Config } from '../../src/config/config.js';
import { runRetention } from '../../src/retention/retention-job.js';
import { openBackend } from '../../src/store/open-store.js';
import { DAY_MS } from '../../src/store/retention-fields.js';
import type { Store } from '../../src/store/store.js';
import { claimMessages, outcomeFor } from '../../src/store/suite/fixtures.suite.js';
import { migratedTestDatabase, TEST_BACKEND, type TestDatabase } from '../helpers/backend.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR_MS = DAY_MS / 24;
const STEP_MS = 2 * HOUR_MS;
const MESSAGES_PER_STEP = 10;
const PAYLOAD = JSON.stringify({ filler: 'p'.repeat(4000) });
const RESPONSE = 'r'.repeat(1000);
const DAYS = 8;
const POLICY = { requestRetentionDays: 1, historyRetentionDays: 2 };

/**
 * A steady load under a moved clock: every 2 simulated hours, 10 messages of 4 KB (payloads kept
 * 1 day), each delivered once with a 1 KB response, and a retention pass; messages are kept 2
 * days. Once the window is full (day 3), the database stops growing: on SQLite the file (freed
 * pages are reused), on PostgreSQL the rows (space of deleted rows is reused after VACUUM, which
 * autovacuum runs on its own schedule, so the test asserts rows and reports bytes).
 */
describe('retention under a steady load', () => {
  let dataDir: string;
  let database: TestDatabase;
  let config: Config;
  let store: Store;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hookd-retention-'));
    database = await migratedTestDatabase();
    config = { ...loadConfig({ argv: [], env: {}, cwd: dataDir }), dataDir, ...database.overrides };
    store = await openBackend(config);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the database from growing once the window is full', async () => {
    const app = await store.applications.create({ name: 'steady' }, T0);
    await store.endpoints.create(app.id, { url: 'http://127.0.0.1:9/hook', secret: 'whsec_x' }, T0);
    const sizes: number[] = [];
    const rows: number[] = [];
    for (let now = T0; now < T0 + DAYS * DAY_MS; now += STEP_MS) {
      await Promise.all(
        Array.from({ length: MESSAGES_PER_STEP }, () =>
          store.messages.create({ appRef: app.id, eventType: 'tick', payload: PAYLOAD, payloadRetentionDays: 1 }, now),
        ),
      );
      const claimed = await claimMessages(store, 'w', 100, 60_000, now);
      expect(claimed).toHaveLength(MESSAGES_PER_STEP);
      await store.queue.record(
        'w',
        claimed.map((c) => {
          const outcome = outcomeFor(c, now + 1, { status: 'success', nextAttemptAt: null });
          return { ...outcome, attempt: { ...outcome.attempt, response: RESPONSE } };
        }),
        now + 1,
      );
      await runRetention(store.retention, POLICY, now + 2, 50);
      if ((now - T0 + STEP_MS) % DAY_MS === 0) {
        sizes.push(await databaseBytes(config));
        rows.push(await messageRows(store, app.id));
      }
    }
    console.log(
      `retention steady load (${TEST_BACKEND}): bytes by day ${sizes.join(', ')}; messages ${rows.join(', ')}`,
    );
    // Kept: the last 2 days of messages (history), 1 day of payloads.
    const perDay = (DAY_MS / STEP_MS) * MESSAGES_PER_STEP;
    for (const count of rows.slice(2)) expect(count).toBeLessThanOrEqual(2 * perDay + MESSAGES_PER_STEP);
    expect(rows.at(-1)).toBeGreaterThanOrEqual(2 * perDay - MESSAGES_PER_STEP);
    const payloads = await store.messages.list(app.id, { limit: 250 });
    expect(payloads.data.filter((m) => m.payload !== null).length).toBeLessThanOrEqual(perDay + MESSAGES_PER_STEP);
    if (TEST_BACKEND === 'sqlite') {
      // Day 4 to day 8 (4 more days of load): no more than 10% larger; without retention it would double.
      expect(sizes[DAYS - 1]).toBeLessThanOrEqual(sizes[3] * 1.1);
    }
  });
});

async function messageRows(store: Store, appId: string): Promise<number> {
  let count = 0;
  let iterator: string | null = null;
  for (;;) {
    const page = await store.messages.list(appId, { limit: 250, iterator });
    count += page.data.length;
    if (page.done) return count;
    iterator = page.iterator;
  }
}

/**
 * The SQLite database file's size, or the PostgreSQL tables' (with indexes and TOAST). Not SQLite's
 * WAL: its size follows the write rate, up to the checkpoint thread's restart point (16,000 pages,
 * `store/sqlite/checkpoint-thread.ts`, whose test bounds it), and pages reach the database file
 * within one checkpoint interval (50 ms).
 */
async function databaseBytes(config: Config): Promise<number> {
  if (TEST_BACKEND === 'sqlite') return statSync(sqlitePath(config)).size;
  const client = new pg.Client({ connectionString: config.databaseUrl! });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>(
      `SELECT sum(pg_total_relation_size(c.oid))::text AS bytes FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'`,
    );
    return Number(rows[0].bytes);
  } finally {
    await client.end();
  }
}
