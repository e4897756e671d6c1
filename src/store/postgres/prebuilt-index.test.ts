import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.js';
import { PostgresStore } from './postgres-store.js';

/*
 * docs/deploy.md, "Upgrading": on a large deliveries table the operator builds migration 9's
 * index with CREATE INDEX CONCURRENTLY before starting the new hookd (a migration runs in one
 * transaction, where CONCURRENTLY is refused, and a plain CREATE INDEX blocks writes while it
 * builds). The migration must then take that index as its own, not fail on it.
 */

const pgUrl = process.env.HOOKD_TEST_DATABASE_URL;
const PREBUILT = 9;

describe.skipIf(!pgUrl)('an index the operator built concurrently before the upgrade (PostgreSQL)', () => {
  const schema = `hookd_test_${randomBytes(6).toString('hex')}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('migration 9 keeps the deliveries_due_target built before it, and the claim uses it', async () => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
    await client.query(
      'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
    );
    for (const m of MIGRATIONS.filter((m) => m.version < PREBUILT)) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [m.version, m.name]);
    }
    // The statement deploy.md gives, run outside any transaction as an operator would: the same
    // index as the migration's.
    const guide = readFileSync(new URL('../../../docs/deploy.md', import.meta.url), 'utf8');
    const concurrently = /CREATE INDEX CONCURRENTLY deliveries_due_target[^;]*;/.exec(guide)![0];
    const migration = MIGRATIONS.find((m) => m.version === PREBUILT)!;
    expect(concurrently.replace('CONCURRENTLY', 'IF NOT EXISTS')).toBe(migration.sql.trim());
    await client.query(concurrently);

    const store = await PostgresStore.open(pgUrl!, { schema, poolSize: 2 });
    await store.migrate();
    const applied = await client.query('SELECT version FROM schema_migrations WHERE version = $1', [PREBUILT]);
    expect(applied.rowCount).toBe(1);
    const indexes = await client.query(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname = 'deliveries_due_target' AND c.relnamespace = $1::regnamespace`,
      [schema],
    );
    expect(indexes.rows).toEqual([{ valid: true }]);
    expect(await store.queue.claim('w', 10, 1_000, Date.now())).toEqual([]);
    await store.close();
    await client.end();
  });
});
