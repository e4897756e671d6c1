import { mkdirSync } from 'node:fs';
import { sqlitePath, type Config } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The configured backend, migrated and ready. */
export async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl !== null) {
    throw new ConfigError('HOOKD_DATABASE_URL: the PostgreSQL backend is not available in this version; unset it to use SQLite');
  }
  mkdirSync(config.dataDir, { recursive: true });
  const store = SqliteStore.open(sqlitePath(config));
  await store.migrate();
  return store;
}
