import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config/config.js';
import { buildApp } from '../../src/server/app.js';
import type { Face } from '../../src/http/face.js';
import { outboundFace } from '../../src/outbound/outbound-face.js';
import { receiveFaces } from '../../src/inbound/receive-faces.js';
import { dashboardFace } from '../../src/dashboard/dashboard-face.js';
import { createTransformPool, type TransformPool } from '../../src/inbound/transform-pool.js';
import { ensureAdminToken } from '../../src/http/api-tokens.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { migratedTestDatabase } from './backend.js';

export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:54321` (no trailing slash). */
  url: string;
  /** An admin token for `Authorization: Bearer`. */
  token: string;
  store: Store;
  config: Config;
  app: FastifyInstance;
  /** Stops the server, closes the store and removes the temporary data directory. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** The clock the API uses (default `Date.now`). */
  now?: () => number;
  /** Faces served after the sending face and the receive API (e.g. a test-only one). */
  extraFaces?: Face[];
}

/**
 * The HTTP API alone (no delivery engine) on an empty, migrated database of the backend under test,
 * listening on a free loopback port. Without `adminToken` in `overrides`, the admin token is
 * generated and stored hashed, as at a first start.
 */
export async function startTestServer(
  overrides: Partial<Config> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookd-api-test-'));
  const database = await migratedTestDatabase();
  const config: Config = {
    ...loadConfig({ argv: [], env: {}, cwd: dataDir }),
    dataDir,
    port: 0,
    ...database.overrides,
    ...overrides,
  };
  const store = await openStore(config);
  const token = config.adminToken ?? (await ensureAdminToken(store))!;
  const now = options.now ?? Date.now;
  const app = await buildApp({
    config,
    store,
    now,
    faces: [
      outboundFace({ config, store, now }),
      ...receiveFaces({ config, store, now, transformPool: sharedTransformPool }),
      dashboardFace({ config, store, now }),
      ...(options.extraFaces ?? []),
    ],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    store,
    config,
    app,
    async close() {
      await app.close();
      await store.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let sharedPool: Promise<TransformPool> | undefined;

/**
 * One transform pool (one thread) for every test server of this test process, started at its first
 * use: a pool per server would start threads that load the sources through tsx for each of the
 * many API tests that never save a transform. Never closed: piscina's idle threads do not hold the
 * process.
 */
const sharedTransformPool: TransformPool = {
  check: async (source) => (await startSharedPool()).check(source),
  run: async (source, subject) => (await startSharedPool()).run(source, subject),
  close: async () => {},
};

function startSharedPool(): Promise<TransformPool> {
  sharedPool ??= createTransformPool({ threads: 1 });
  return sharedPool;
}
