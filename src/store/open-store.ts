import { sqlitePath, type Config } from '../config/config.js';
import type { Logger } from 'pino';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/**
 * The configured backend (PostgreSQL when `databaseUrl` is set, else SQLite), migrated and ready.
 * `logger`: where the store reports what it survives (lost connections, a throwing listener).
 */
export async function openStore(config: Config, options: { logger?: Logger } = {}): Promise<Store> {
  if (config.databaseUrl !== null) {
    const store = await PostgresStore.open(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      listen: config.role !== 'api',
      logger: options.logger,
    });
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }
  const store = SqliteStore.open(sqlitePath(config), options);
  await store.migrate();
  return store;
}
