import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../../src/config/config.js';

/**
 * Which store the integration tests run on. vitest.config.ts runs the integration suite once per
 * backend and sets HOOKD_TEST_BACKEND; the PostgreSQL run exists only when
 * HOOKD_TEST_DATABASE_URL names a server (CI sets it).
 */
export const TEST_BACKEND: 'sqlite' | 'postgres' = process.env.HOOKD_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  /** Config overrides that point hookd at this database (none for SQLite: the data dir holds it). */
  overrides: Partial<Config>;
  /** The same as `HOOKD_*` variables, for a hookd child process. */
  env: Record<string, string>;
  /** Removes the database (its PostgreSQL schema); call after every store on it is closed. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test server on the backend under test: nothing for SQLite (the
 * caller's new data directory is fresh), a new schema for PostgreSQL, reached through a URL whose
 * `options` set the connection's `search_path`.
 */
export async function freshTestDatabase(): Promise<TestDatabase> {
  if (TEST_BACKEND === 'sqlite') return { overrides: {}, env: {}, drop: async () => {} };
  const base = process.env.HOOKD_TEST_DATABASE_URL;
  if (!base) throw new Error('HOOKD_TEST_BACKEND=postgres needs HOOKD_TEST_DATABASE_URL');
  const schema = `hookd_test_${randomBytes(6).toString('hex')}`;
  await withClient(base, (c) => c.query(`CREATE SCHEMA ${schema}`));
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = url.toString();
  return {
    overrides: { databaseUrl },
    env: { HOOKD_DATABASE_URL: databaseUrl },
    drop: () => withClient(base, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => {}),
  };
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
