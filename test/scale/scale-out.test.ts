import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freshTestDatabase, TEST_BACKEND, type TestDatabase } from '../helpers/backend.js';
import { TEST_ADMIN_TOKEN } from '../helpers/hookd.js';
import { exited, spawnHookd, type HookdProcess } from '../helpers/hookd-process.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/**
 * Many hookd processes on one PostgreSQL: API processes and worker processes share the queue.
 * SQLite is one process by design, so this file runs in the PostgreSQL half of the suite only.
 */
const describeOnPostgres = TEST_BACKEND === 'postgres' ? describe : describe.skip;

const dataDir = mkdtempSync(join(tmpdir(), 'hookd-scale-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

let database: TestDatabase;
let receiver: Receiver;
const processes: HookdProcess[] = [];

afterEach(async () => {
  for (const p of processes.splice(0)) {
    p.child.kill('SIGKILL');
    await exited(p.child);
  }
  await receiver?.close();
  await database?.drop();
});

async function start(role: 'api' | 'worker' | 'all', env: Record<string, string> = {}): Promise<HookdProcess> {
  const p = await spawnHookd({
    HOOKD_ROLE: role,
    HOOKD_DATA_DIR: dataDir,
    HOOKD_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    HOOKD_ALLOWED_NETWORKS: '127.0.0.0/8',
    HOOKD_REQUEST_TIMEOUT_MS: '2000',
    ...database.env,
    ...env,
  });
  processes.push(p);
  return p;
}

/** hookd answered, with a status other than 2xx. */
class HttpStatusError extends Error {}

const HEADERS = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

async function post(pool: Pool, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await pool.request({
    path: `/api/v1${path}`,
    method: 'POST',
    headers: { ...HEADERS, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new HttpStatusError(`${path}: ${res.statusCode} ${text}`);
  return JSON.parse(text) as { id: string };
}

/**
 * An application with one endpoint at the receiver, which may take `maxConcurrency` places: these
 * tests are about work shared across processes, not about one endpoint's fair share, which with
 * the default limit of 16 (a freed place waits for the next claim) made 10,000 deliveries take
 * 80 s and more of the 90 s allowed on a loaded 2-CPU machine (fair shares: e2e/fair-share.test.ts).
 */
async function setupApp(pool: Pool, maxConcurrency = 256): Promise<string> {
  const app = await post(pool, '/app', { name: 'scale' });
  await post(pool, `/app/${app.id}/endpoint`, { url: receiver.url, maxConcurrency });
  return app.id;
}

/** Creates `count` messages at 64 concurrent; returns the ids answered 202 (fewer when the API process dies). */
async function createMessages(pool: Pool, appId: string, count: number, onCreated?: (n: number) => void) {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < count) {
        const n = next++;
        try {
          ids.push((await post(pool, `/app/${appId}/msg`, { eventType: 'scale.test', payload: { n } })).id);
        } catch (error) {
          // The API process died (the connection failed): what it answered 202 for is in `ids`.
          // An HTTP error status is a failure of the test, not a death.
          if (error instanceof HttpStatusError) throw error;
          return;
        }
        onCreated?.(ids.length);
      }
    }),
  );
  return ids;
}

/** How many times each message arrived. */
function arrivals(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of receiver.requests) {
    const id = String(r.headers['webhook-id']);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

async function waitForAll(ids: string[], timeoutMs = 90_000) {
  const missing = new Set(ids);
  let seen = 0;
  await receiver.waitFor((requests) => {
    for (; seen < requests.length; seen++) missing.delete(String(requests[seen].headers['webhook-id']));
    return missing.size === 0;
  }, timeoutMs);
}

describeOnPostgres('scale-out on PostgreSQL', { timeout: 150_000 }, () => {
  it('one API and three workers deliver 10,000 messages, none twice', async () => {
    database = await freshTestDatabase();
    receiver = await startReceiver();
    const api = await start('api');
    await Promise.all([start('worker'), start('worker'), start('worker')]);
    const pool = new Pool(api.url, { connections: 64 });
    const ids = await createMessages(pool, await setupApp(pool), 10_000);
    expect(ids).toHaveLength(10_000);
    await waitForAll(ids);
    const counts = arrivals();
    expect(counts.size).toBe(10_000);
    expect([...counts.values()].filter((c) => c > 1)).toHaveLength(0);
    await pool.close();
  });

  it('a worker killed with kill -9 mid-way: all 10,000 delivered, duplicates bounded by what it had in flight', async () => {
    database = await freshTestDatabase();
    // A slow receiver keeps requests in flight in every worker.
    receiver = await startReceiver((_req, _n, res) => void setTimeout(() => res.writeHead(200).end(), 20));
    const api = await start('api');
    const [victim] = await Promise.all([start('worker'), start('worker'), start('worker')]);
    const pool = new Pool(api.url, { connections: 64 });
    // Fewer places than the workers have, so that each worker holds some of them when one dies.
    const appId = await setupApp(pool, 64);
    // What the dead worker had claimed and not recorded: its leases, counted as soon as it is
    // gone (before they expire and other workers take them over).
    let leasesAtDeath: Promise<number> | null = null;
    const ids = await createMessages(pool, appId, 10_000, (n) => {
      if (n >= 3_000 && leasesAtDeath === null) {
        victim.child.kill('SIGKILL');
        leasesAtDeath = exited(victim.child).then(() => countLeases(victim.workerId));
      }
    });
    const inFlight = await leasesAtDeath!;
    expect(ids).toHaveLength(10_000);
    await waitForAll(ids);
    const duplicates = [...arrivals().values()].reduce((sum, c) => sum + c - 1, 0);
    console.log(`scale-out: the killed worker held ${inFlight} leases; ${duplicates} duplicate deliveries`);
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    await pool.close();
  });

  it('an API process killed mid-load loses no message it answered 202 for', async () => {
    database = await freshTestDatabase();
    receiver = await startReceiver();
    const api = await start('api');
    await start('worker');
    const pool = new Pool(api.url, { connections: 64 });
    const appId = await setupApp(pool);
    const ids = await createMessages(pool, appId, 20_000, (n) => {
      if (n === 2_000) api.child.kill('SIGKILL');
    });
    expect(ids.length).toBeGreaterThanOrEqual(2_000);
    expect(ids.length).toBeLessThan(20_000);
    await waitForAll(ids);
    await pool.close().catch(() => {});
  });

  it('two API processes given the same idempotency-key at the same moment create one message', async () => {
    database = await freshTestDatabase();
    receiver = await startReceiver();
    const [a, b] = await Promise.all([start('api'), start('api')]);
    const poolA = new Pool(a.url, { connections: 16 });
    const poolB = new Pool(b.url, { connections: 16 });
    const appId = await setupApp(poolA);
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    const results = await Promise.all(
      keys.flatMap((key) =>
        [poolA, poolB].map((pool) =>
          post(pool, `/app/${appId}/msg`, { eventType: 'scale.test', payload: { key } }, { 'idempotency-key': key }),
        ),
      ),
    );
    for (let i = 0; i < keys.length; i++) expect(results[2 * i].id).toBe(results[2 * i + 1].id);
    const listed = await poolB.request({ path: `/api/v1/app/${appId}/msg?limit=250`, method: 'GET', headers: HEADERS });
    expect(((await listed.body.json()) as { data: unknown[] }).data).toHaveLength(keys.length);
    await Promise.all([poolA.close(), poolB.close()]);
  });
});

async function countLeases(workerId: string): Promise<number> {
  const client = new pg.Client({ connectionString: database.env.HOOKD_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT count(*)::int AS n FROM deliveries WHERE lease_owner = $1 AND status = 'sending'",
      [workerId],
    );
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}
