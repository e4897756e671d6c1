import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/server/app.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createApiClient } from '../helpers/api-client.js';
import { migratedTestDatabase, TEST_BACKEND, type TestDatabase } from '../helpers/backend.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const ADMIN_TOKEN = 'storage-trouble-admin-token-0123';

/** Takes the store's storage away, and gives it back, as the backend's real failure does. */
interface StorageFault {
  break(): Promise<void>;
  repair(): Promise<void>;
}

/**
 * SQLite: the database may not grow past its size now (`PRAGMA max_page_count` on hookd's own
 * connection), so SQLite itself fails every write that needs a page with SQLITE_FULL, as on a
 * full disk; reads still work. Given back by lifting the cap.
 */
function fullSqliteDatabase(store: Store): StorageFault {
  // The connection is the store's own: the pragma is per connection.
  const raw = (store as unknown as { db: { raw: Database.Database } }).db.raw;
  return {
    async break() {
      const pages = raw.pragma('page_count', { simple: true }) as number;
      raw.pragma(`max_page_count = ${pages}`);
    },
    async repair() {
      raw.pragma('max_page_count = 1073741823');
    },
  };
}

/** PostgreSQL behind a TCP proxy on loopback: cut, open connections are reset and new ones refused. */
function unreachablePostgres(proxy: TcpProxy): StorageFault {
  return { break: () => proxy.cut(), repair: () => proxy.restore() };
}

describe(`storage trouble (${TEST_BACKEND})`, () => {
  const lines: { msg: string; level: number }[] = [];
  let app: FastifyInstance;
  let store: Store;
  let database: TestDatabase;
  let proxy: TcpProxy | null = null;
  let dataDir: string;
  let fault: StorageFault;
  let api: ReturnType<typeof createApiClient>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hookd-storage-'));
    database = await migratedTestDatabase();
    const overrides = { ...database.overrides };
    if (overrides.databaseUrl) {
      const url = new URL(overrides.databaseUrl);
      proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      overrides.databaseUrl = url.toString();
    }
    const config: Config = {
      ...loadConfig({ argv: [], env: {}, cwd: dataDir }),
      dataDir,
      port: 0,
      adminToken: ADMIN_TOKEN,
      role: TEST_BACKEND === 'postgres' ? 'api' : 'all',
      ...overrides,
    };
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    store = await openStore(config, { logger });
    fault = proxy ? unreachablePostgres(proxy) : fullSqliteDatabase(store);
    app = await buildApp({ config, store, logger });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    api = createApiClient(`http://127.0.0.1:${port}`, ADMIN_TOKEN);
    expect((await api.post('/api/v1/app', { body: { name: 'Acme', uid: 'acme' } })).status).toBe(201);
    expect((await api.post('/api/v1/source', { body: { name: 'capture', uid: 'capture' } })).status).toBe(201);
  });

  afterAll(async () => {
    await fault?.repair();
    await app?.close();
    await store?.close();
    await proxy?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 storage_unavailable with Retry-After, logs one line per incident, loses no 202, recovers', async () => {
    const accepted: string[] = [];
    const send = async (n: number) => {
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          api.post('/api/v1/app/acme/msg', {
            body: { eventType: 'order.paid', payload: { n: i, pad: 'x'.repeat(20_000) } },
          }),
        ),
      );
      for (const answer of answers) if (answer.status === 202) accepted.push(answer.body.id);
      return answers;
    };
    expect((await send(20)).every((a) => a.status === 202)).toBe(true);

    await fault.break();
    const during = [...(await send(100)), ...(await send(100))];
    const refused = during.filter((a) => a.status !== 202);
    // Each message needs new pages (SQLite) or a connection (PostgreSQL): all are refused.
    expect(refused.length).toBe(200);
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.body).toEqual({ code: 'storage_unavailable', detail: expect.any(String) });
    }

    // The receive face too: the sender is told to come back, as for any storage failure.
    const received = await Promise.all(
      Array.from({ length: 10 }, () => api.post('/in/capture', { token: null, body: { pad: 'x'.repeat(20_000) } })),
    );
    for (const answer of received) {
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('storage_unavailable');
    }

    // Not ready while PostgreSQL is away; SQLite still reads, so it is (writes fail alone).
    expect((await api.get('/readyz', { token: null })).status).toBe(TEST_BACKEND === 'postgres' ? 503 : 200);

    await fault.repair();
    // Recovers by itself: the pool reconnects (PostgreSQL), the next transaction commits (SQLite).
    await expect.poll(async () => (await send(1))[0].status, { timeout: 30_000, interval: 200 }).toBe(202);
    expect((await send(20)).every((a) => a.status === 202)).toBe(true);

    // Every message answered 202 is there.
    for (const id of accepted) expect((await api.get(`/api/v1/app/acme/msg/${id}`)).status).toBe(200);
    const listed = await api.get('/api/v1/app/acme/msg?limit=250');
    expect(listed.body.data.length).toBe(accepted.length);

    const messages = lines.map((line) => line.msg);
    expect(messages.filter((m) => m.startsWith('storage unavailable'))).toHaveLength(1);
    expect(messages.filter((m) => m === 'storage recovered')).toHaveLength(1);
    expect(messages.filter((m) => m === 'unexpected error')).toHaveLength(0);
    const recovered = lines.find((line) => line.msg === 'storage recovered') as unknown as {
      failedRequests: number;
    };
    expect(recovered.failedRequests).toBeGreaterThanOrEqual(refused.length);
  });
});
