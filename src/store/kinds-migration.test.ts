import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS as PG_MIGRATIONS } from './postgres/migrations.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from './sqlite/migrations.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/*
 * Migration 2 (delivery kinds) on a database that migration 1 made and that holds data: every
 * existing delivery and attempt becomes kind `message`, and reads as before.
 */

const T = 1_700_000_000_000;
const now = T + 1_000;

/** Rows as hookd before migration 2 wrote them, one statement each, `?` or `$n` placeholders per backend. */
const SEED: [string, unknown[]][] = [
  [`INSERT INTO applications VALUES ('app_1', NULL, 'Acme', '{}', NULL, ${T}, ${T})`, []],
  [
    `INSERT INTO endpoints VALUES ('ep_1', 'app_1', NULL, 'https://example.com/hook', '', NULL, NULL, FALSE, '{}', NULL, '{}',
      '[{"key":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","expiresAt":null}]', ${T}, ${T})`,
    [],
  ],
  [`INSERT INTO messages VALUES ('msg_1', 'app_1', 'invoice.paid', NULL, NULL, '{"a":1}', ${T})`, []],
  [`INSERT INTO messages VALUES ('msg_2', 'app_1', 'invoice.paid', NULL, NULL, '{"a":2}', ${T})`, []],
  [`INSERT INTO deliveries VALUES ('dlv_1', 'app_1', 'msg_1', 'ep_1', 'fail', 0, 1, NULL, NULL, NULL, ${T}, ${T})`, []],
  [
    `INSERT INTO deliveries VALUES ('dlv_2', 'app_1', 'msg_2', 'ep_1', 'pending', 0, 0, ${T}, NULL, NULL, ${T}, ${T})`,
    [],
  ],
  [
    `INSERT INTO attempts VALUES ('atmpt_1', 'dlv_1', 'app_1', 'msg_1', 'ep_1', 'https://example.com/hook', 'fail', 500, 'boom', 12,
      '{"webhook-id":"msg_1"}', 0, ${T})`,
    [],
  ],
];

async function expectMigratedData(store: Store): Promise<void> {
  const attempts = await store.attempts.list('app_1', { limit: 10 });
  expect(attempts.data).toEqual([
    {
      id: 'atmpt_1',
      deliveryId: 'dlv_1',
      appId: 'app_1',
      msgId: 'msg_1',
      endpointId: 'ep_1',
      url: 'https://example.com/hook',
      status: 'fail',
      responseStatusCode: 500,
      response: 'boom',
      responseDurationMs: 12,
      requestHeaders: { 'webhook-id': 'msg_1' },
      trigger: 0,
      createdAt: T,
    },
  ]);
  const claimed = await store.queue.claim('w', 10, 1_000, now);
  expect(claimed).toHaveLength(1);
  expect(claimed[0]).toMatchObject({
    kind: 'message',
    delivery: { id: 'dlv_2', appId: 'app_1', msgId: 'msg_2', endpointId: 'ep_1', status: 'sending' },
    message: { id: 'msg_2', payload: '{"a":2}' },
    endpoint: { id: 'ep_1' },
  });
  // Deleting the application still cascades through deliveries and attempts.
  await store.applications.delete('app_1');
  expect(await store.queue.nextDueAt()).toBeNull();
}

describe('migration 2 (delivery kinds) on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookd-kinds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes existing deliveries and attempts kind message, and keeps them', async () => {
    const path = join(dir, 'v1.db');
    const db = new Database(path);
    db.exec(SQLITE_MIGRATIONS.find((m) => m.version === 1)!.sql);
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    db.exec(`INSERT INTO schema_migrations VALUES (1, 'initial schema', ${T})`);
    for (const [sql] of SEED) db.exec(sql.replaceAll('FALSE', '0'));
    db.close();

    const store = SqliteStore.open(path);
    await store.migrate();
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT kind, count(*) AS n FROM deliveries GROUP BY kind').all()).toEqual([
      { kind: 'message', n: 2 },
    ]);
    expect(raw.prepare('SELECT kind, count(*) AS n FROM attempts GROUP BY kind').all()).toEqual([
      { kind: 'message', n: 1 },
    ]);
    expect(raw.pragma('foreign_key_check')).toEqual([]);
    raw.close();
    await expectMigratedData(store);
    await store.close();
  });
});

const pgUrl = process.env.HOOKD_TEST_DATABASE_URL;

describe.skipIf(!pgUrl)('migration 2 (delivery kinds) on PostgreSQL', () => {
  const schema = `hookd_test_${randomBytes(6).toString('hex')}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('makes existing deliveries and attempts kind message, and keeps them', async () => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
    await client.query(PG_MIGRATIONS.find((m) => m.version === 1)!.sql);
    await client.query(
      'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
    );
    await client.query(`INSERT INTO schema_migrations VALUES (1, 'initial schema', ${T})`);
    for (const [sql, params] of SEED) await client.query(sql, params);

    const store = await PostgresStore.open(pgUrl!, { schema, poolSize: 2 });
    await store.migrate();
    const kinds = async (table: string) =>
      (await client.query(`SELECT kind, count(*)::int AS n FROM ${table} GROUP BY kind`)).rows;
    expect(await kinds('deliveries')).toEqual([{ kind: 'message', n: 2 }]);
    expect(await kinds('attempts')).toEqual([{ kind: 'message', n: 1 }]);
    await client.end();
    await expectMigratedData(store);
    await store.close();
  });
});
