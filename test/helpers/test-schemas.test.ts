import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createApiClient } from './api-client.js';
import { TEST_BACKEND } from './backend.js';
import { startTestHookd } from './hookd.js';
import { startReceiver } from './receiver.js';
import { reusableTestSchema } from './test-schemas.js';

/**
 * The reusable test schemas stand in for new ones in most PostgreSQL tests (the store suite
 * included): one emptied after use must be what migrating a new schema gives.
 */
const describeOnPostgres = TEST_BACKEND === 'postgres' ? describe : describe.skip;
const url = process.env.HOOKD_TEST_DATABASE_URL ?? '';

const clients: pg.Client[] = [];
afterAll(async () => {
  for (const client of clients) await client.end();
});

async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  if (clients.length === 0) {
    clients.push(new pg.Client({ connectionString: url }));
    await clients[0].connect();
  }
  return (await clients[0].query<R>(sql, params)).rows;
}

/** The schema's tables, columns, constraints, indexes and table options, without its name. */
async function shape(schema: string) {
  const columns = await query(
    `SELECT table_name, column_name, ordinal_position, data_type, collation_name, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  );
  const constraints = await query(
    `SELECT conrelid::regclass::text AS on_table, conname, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE connamespace = $1::regnamespace ORDER BY conname`,
    [schema],
  );
  const indexes = await query(
    `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`,
    [schema],
  );
  const tables = await query(
    `SELECT relname, relkind, reloptions FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'S', 'v', 'm') ORDER BY relname`,
    [schema],
  );
  return JSON.parse(JSON.stringify({ columns, constraints, indexes, tables }).replaceAll(`${schema}.`, 'SCHEMA.'));
}

/** Rows per table; `schema_migrations` by its versions (a new schema has its own `applied_at`). */
async function contents(schema: string) {
  const counts: Record<string, unknown> = {};
  for (const { relname } of await query<{ relname: string }>(
    `SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' ORDER BY relname`,
    [schema],
  )) {
    counts[relname] =
      relname === 'schema_migrations'
        ? (await query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).map((r) => r.version)
        : Number((await query(`SELECT count(*) AS n FROM ${schema}.${relname}`))[0].n);
  }
  return counts;
}

describeOnPostgres('a reusable test schema', () => {
  it('once used and released, is what migrating a new schema gives: the same shape, and no rows', async () => {
    const used = await reusableTestSchema(url);
    const database = new URL(url);
    database.searchParams.set('options', `-c search_path=${used.name}`);
    // A hookd that writes to every table: a generated admin token (settings), an idempotent
    // request, a portal token, an event type, an application, an endpoint, a message delivered,
    const receiver = await startReceiver();
    const hookd = await startTestHookd({ databaseUrl: database.toString(), adminToken: null });
    const api = createApiClient(hookd.url, hookd.generatedAdminToken);
    const app = (await api.post('/api/v1/app', { body: { name: 'reuse' }, headers: { 'idempotency-key': 'k' } })).body;
    await api.post('/api/v1/event-type', { body: { name: 'a.b', description: 'x' } });
    await api.post(`/api/v1/auth/app-portal-access/${app.id}`, { body: {} });
    await api.post(`/api/v1/app/${app.id}/endpoint`, { body: { url: receiver.url } });
    await api.post(`/api/v1/app/${app.id}/msg`, { body: { eventType: 'a.b', payload: {} } });
    // A wrong token: the failed-authentication counters (rate_limit_counters).
    expect((await createApiClient(hookd.url, 'sk_wrong').get('/api/v1/app')).status).toBe(401);
    // ... and a request received on a source, with a dedup key, forwarded through a connection (an event).
    const source = await hookd.store.sources.create({ name: 's', verification: { type: 'none' } }, Date.now());
    const destination = await hookd.store.destinations.create({ url: receiver.url }, Date.now());
    const connection = await hookd.store.connections.create(
      { sourceId: source.id, destinationId: destination.id },
      Date.now(),
    );
    await hookd.store.inbound.receive(
      { sourceId: source.id, method: 'POST', path: '', headers: [], body: Buffer.from('x') },
      [{ connectionId: connection.id, destinationId: destination.id }],
      { key: 'k', expiresAt: Date.now() + 60_000 },
      Date.now(),
    );
    // ... and the endpoint health tables: a rate budget, a held slot.
    await hookd.store.health.reserve('ep_reuse', 20, 1, Date.now());
    await hookd.store.health.holdSlots([{ deliveryId: 'dlv_reuse', targetId: 'ep_reuse', slotAt: Date.now() }]);
    await expect.poll(async () => (await contents(used.name)).attempts).toBe(2);
    const written = await contents(used.name);
    await hookd.stop(); // releases its test database, a schema of its own
    await receiver.close();
    await used.release();

    const freshSchema = `hookd_test_${randomBytes(6).toString('hex')}`;
    const fresh = await PostgresStore.open(url, { schema: freshSchema, poolSize: 1, listen: false });
    await fresh.migrate();
    await fresh.close();
    const again = await reusableTestSchema(url);
    try {
      expect(again.name).toBe(used.name); // the one just released, not a new one
      for (const [table, rows] of Object.entries(written)) {
        if (table !== 'schema_migrations') expect(rows, `rows written to ${table}`).not.toBe(0);
      }
      expect(await shape(again.name)).toEqual(await shape(freshSchema));
      expect(await contents(again.name)).toEqual(await contents(freshSchema));
    } finally {
      await again.release();
      await query(`DROP SCHEMA ${freshSchema} CASCADE`);
    }
  });
});
