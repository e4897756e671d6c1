import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { freshTestDatabase, TEST_BACKEND, type TestDatabase } from '../helpers/backend.js';
import { exited, spawnHookd, type HookdProcess } from '../helpers/hookd-process.js';
import { TEST_ADMIN_TOKEN } from '../helpers/hookd.js';
import { startReceiver } from '../helpers/receiver.js';

/*
 * The second kind of delivery (event: a stored request forwarded byte for byte) through a real
 * hookd process: requests are stored by this test on the same database, hookd forwards them, is
 * killed with kill -9 mid-way, and a restarted hookd finishes the job.
 */

const REQUESTS = 300;
const FIRST_CONCURRENCY = 16;
const dataDir = mkdtempSync(join(tmpdir(), 'hookd-event-crash-'));
const env = { HOOKD_DATA_DIR: dataDir, HOOKD_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HOOKD_ALLOWED_NETWORKS: '127.0.0.0/8' };
/** As in crash.test.ts: no timeout on a loaded machine, and leases that end soon after the kill. */
const FIRST_LEASE = { HOOKD_REQUEST_TIMEOUT_MS: '20000', HOOKD_LEASE_MARGIN_MS: '2000' };
/** Starting a hookd process takes long on a loaded machine. */
const START_TIMEOUT_MS = 120_000;
const processes: HookdProcess[] = [];
let database: TestDatabase | undefined;

afterAll(async () => {
  for (const p of processes) {
    p.child.kill('SIGKILL');
    await exited(p.child);
  }
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A store of this test process on hookd's database (no engine, no hand-off). */
function openTestStore(): Promise<Store> {
  const config = loadConfig({ env: { ...env, ...database!.env }, cwd: dataDir });
  return openStore({ ...config, role: TEST_BACKEND === 'postgres' ? 'api' : 'all' });
}

/** Request i's body: bytes that are not valid UTF-8 (0xff, 0xfe, NUL), and its number. */
const bodyOf = (i: number) => Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), Buffer.from(String(i))]);
const headersOf = (i: number) =>
  [
    ['X-Seq', String(i)],
    ['content-type', 'application/octet-stream'],
    ['X-Dup', 'a'],
    ['x-dup', 'b'],
  ] as const;

it('kill -9 while forwarding stored requests, then a restart: every request arrives byte for byte', async () => {
  const receiver = await startReceiver((_req, _n, res) => {
    setTimeout(() => res.writeHead(200).end('ok'), 400);
  });
  database = await freshTestDatabase();
  Object.assign(env, database.env);

  const store = await openTestStore();
  const destination = await store.destinations.create({ url: `${receiver.url}/fwd` }, Date.now());
  const requestIds: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const { request } = await store.inbound.receive(
      { sourceId: null, method: 'PUT', path: `/item?n=${i}`, headers: headersOf(i), body: bodyOf(i) },
      [{ connectionId: null, destinationId: destination.id }],
      null,
      Date.now(),
    );
    requestIds.push(request.id);
  }
  await store.close();

  const first = await spawnHookd(
    { ...env, ...FIRST_LEASE, HOOKD_WORKER_CONCURRENCY: String(FIRST_CONCURRENCY) },
    START_TIMEOUT_MS,
  );
  processes.push(first);
  await receiver.waitFor((reqs) => reqs.length >= 2 * FIRST_CONCURRENCY, 120_000);
  first.child.kill('SIGKILL');
  await exited(first.child);
  const deliveredBeforeKill = new Set(receiver.requests.map((r) => r.headers['x-seq'])).size;
  expect(deliveredBeforeKill).toBeLessThan(REQUESTS);

  const second = await spawnHookd({ ...env, HOOKD_REQUEST_TIMEOUT_MS: '60000' }, START_TIMEOUT_MS);
  processes.push(second);
  await receiver.waitFor((reqs) => new Set(reqs.map((r) => r.headers['x-seq'])).size >= REQUESTS, 120_000);
  // The deliveries the first process held at the kill are sent again once their leases end:
  // wait until nothing is left pending or sending, then count.
  const check = await openTestStore();
  await expect.poll(() => check.queue.nextDueAt(), { timeout: 120_000, interval: 500 }).toBeNull();

  for (const got of receiver.requests) {
    const i = Number(got.headers['x-seq']);
    expect(got.method).toBe('PUT');
    expect(got.url).toBe(`/hook/fwd/item?n=${i}`);
    expect(got.rawBody.equals(bodyOf(i))).toBe(true);
    const pairs: string[][] = [];
    for (let h = 0; h < got.rawHeaders.length; h += 2) pairs.push([got.rawHeaders[h], got.rawHeaders[h + 1]]);
    expect(pairs.filter(([name]) => !['host', 'content-length', 'connection'].includes(name.toLowerCase()))).toEqual([
      ...headersOf(i),
      ['x-hookd-request-id', requestIds[i]],
      ['x-hookd-event-id', expect.stringMatching(/^evt_/)],
    ]);
  }
  expect(new Set(receiver.requests.map((r) => Number(r.headers['x-seq'])))).toEqual(
    new Set(requestIds.map((_, i) => i)),
  );
  // Every request has a successful attempt on record.
  for (const id of requestIds)
    expect((await check.requests.listRequestAttempts(id)).some((a) => a.status === 'success')).toBe(true);
  await check.close();
  const duplicates = receiver.requests.length - REQUESTS;
  // At most the dead process's concurrency: a delivery holds its place until its outcome is committed.
  expect(duplicates).toBeLessThanOrEqual(FIRST_CONCURRENCY);
  console.log(
    `event crash test: ${deliveredBeforeKill} forwarded before kill -9, ${duplicates} duplicates after restart`,
  );
  second.child.kill('SIGTERM');
  await exited(second.child);
  await receiver.close();
}, 400_000);
