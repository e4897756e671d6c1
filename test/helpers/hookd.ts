import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/config.js';
import { startHookd, type Hookd, type StartOptions } from '../../src/server/hookd.js';
import { migratedTestDatabase } from './backend.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestHookd extends Hookd {
  url: string;
  config: Config;
  /** Stops hookd and removes its data (directory, or PostgreSQL schema). */
  stop(): Promise<void>;
}

/**
 * A whole hookd (API and delivery engine) in this process on an empty, migrated database of the backend
 * under test, on a free loopback port, with loopback endpoints allowed, logging at `warn`.
 */
export async function startTestHookd(overrides: Partial<Config> = {}, options: StartOptions = {}): Promise<TestHookd> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookd-test-'));
  const database = await migratedTestDatabase();
  const config: Config = {
    ...loadConfig({ argv: [], env: {}, cwd: dataDir }),
    port: 0,
    dataDir,
    adminToken: TEST_ADMIN_TOKEN,
    allowedNetworks: ['127.0.0.0/8'],
    // Its start-up lines at info would fill the test output; warnings and errors still show.
    logLevel: 'warn',
    ...database.overrides,
    ...overrides,
  };
  const hookd = await startHookd(config, options);
  return {
    ...hookd,
    url: hookd.url ?? '',
    config,
    async stop() {
      await hookd.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
