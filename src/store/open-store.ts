import { sqlitePath, type Config } from '../config/config.js';
import type { Logger } from 'pino';
import { loadKeyring, sealStoredSecrets } from './master-key.js';
import type { FairLimits } from './fair-share.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { sealStore } from './sealed-store.js';
import { DEFAULT_CHECKPOINT_SETTINGS } from './sqlite/checkpoint-thread.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/**
 * The configured backend (PostgreSQL when `databaseUrl` is set, else SQLite), migrated and ready,
 * its secrets sealed at rest under the master key (store/master-key.ts, sealed-store.ts).
 * `logger`: where the store reports what it survives (lost connections, a throwing listener).
 */
export async function openStore(config: Config, options: { logger?: Logger } = {}): Promise<Store> {
  const keyring = loadKeyring(config);
  const store = await openBackend(config, options);
  try {
    await sealStoredSecrets(store, keyring);
  } catch (error) {
    await store.close();
    throw error;
  }
  return sealStore(store, keyring);
}

/** The configured backend, migrated, as the database holds it (secrets sealed): for the commands that manage the key. */
export async function openBackend(config: Config, options: { logger?: Logger } = {}): Promise<Store> {
  if (config.databaseUrl !== null) {
    const store = await PostgresStore.open(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      listen: config.role !== 'api',
      logger: options.logger,
      fairLimits: fairLimits(config),
    });
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }
  const store = SqliteStore.open(sqlitePath(config), {
    ...options,
    fairLimits: fairLimits(config),
    checkpointThread: DEFAULT_CHECKPOINT_SETTINGS,
  });
  await store.migrate();
  return store;
}

/** The store's fair-share limits, as configured (store/fair-share.ts). */
function fairLimits(config: Config): FairLimits {
  return { endpoint: config.endpointConcurrency, application: config.applicationConcurrency };
}
