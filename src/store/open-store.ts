import { sqlitePath, type Config } from '../config/config.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The configured backend (PostgreSQL when `databaseUrl` is set, else SQLite), migrated and ready. */
export async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl !== null) {
    const store = await PostgresStore.open(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      listen: config.role !== 'api',
    });
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }
  const store = SqliteStore.open(sqlitePath(config));
  await store.migrate();
  return store;
}
