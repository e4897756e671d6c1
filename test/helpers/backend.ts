import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../../src/config/config.js';
import { reusableTestSchema } from './test-schemas.js';

/**
 * Which store the integration tests run on. vitest.config.ts runs the integration suite once per
 * backend and sets HOOKD_TEST_BACKEND; the PostgreSQL run exists only when
 * HOOKD_TEST_DATABASE_URL names a server (CI sets it).
 */
export const TEST_BACKEND: 'sqlite' | 'postgres' =
  process.env.HOOKD_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  /** Config overrides that point hookd at this database (none for SQLite: the data dir holds it). */
  overrides: Partial<Config>;
  /** The same as `HOOKD_*` variables, for a hookd child process. */
  env: Record<string, string>;
  /**
   * Removes the database (its PostgreSQL schema), or empties it for the next test
   * (`migratedTestDatabase`); call after every store on it is closed.
   */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test server on the backend under test: nothing for SQLite (the
 * caller's new data directory is fresh), a new schema for PostgreSQL, reached through a URL whose
 * `options` set the connection's `search_path`.
 */
export async function freshTestDatabase(): Promise<TestDatabase> {
  if (TEST_BACKEND === 'sqlite') return { overrides: {}, env: {}, drop: async () => {} };
  const base = postgresBaseUrl();
  const schema = `hookd_test_${randomBytes(6).toString('hex')}`;
  await withClient(base, (c) => c.query(`CREATE SCHEMA ${schema}`));
  return onSchema(base, schema, () =>
    withClient(base, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => {}),
  );
}

/**
 * Like `freshTestDatabase`, but migrated already, and on PostgreSQL a schema that earlier tests
 * may have used and left empty (test/helpers/test-schemas.ts): several times quicker, for a hookd
 * in this process whose stores are all closed before `drop()`. A hookd in a child process, which
 * a test may kill mid-write, gets a `freshTestDatabase`.
 */
export async function migratedTestDatabase(): Promise<TestDatabase> {
  if (TEST_BACKEND === 'sqlite') return { overrides: {}, env: {}, drop: async () => {} };
  const base = postgresBaseUrl();
  const schema = await reusableTestSchema(base);
  return onSchema(base, schema.name, () => schema.release());
}

function postgresBaseUrl(): string {
  const base = process.env.HOOKD_TEST_DATABASE_URL;
  if (!base) throw new Error('HOOKD_TEST_BACKEND=postgres needs HOOKD_TEST_DATABASE_URL');
  return base;
}

/** A database on `schema`, reached through a URL whose `options` set the connection's `search_path`. */
function onSchema(base: string, schema: string, drop: () => Promise<void>): TestDatabase {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = url.toString();
  return { overrides: { databaseUrl }, env: { HOOKD_DATABASE_URL: databaseUrl }, drop };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
