import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, expect, it } from 'vitest';
import { createApiClient } from '../helpers/api-client.js';
import { freshTestDatabase, type TestDatabase } from '../helpers/backend.js';
import { exited, type HookdProcess, spawnHookd } from '../helpers/hookd-process.js';
import { TEST_ADMIN_TOKEN } from '../helpers/hookd.js';
import { startReceiver } from '../helpers/receiver.js';

/*
 * kill -9 right after the 2xx: a hookd process receives N requests at /in/{source}, is killed the
 * moment the last 2xx arrives (its destination holds every forward unanswered, so none is done),
 * and a hookd restarted on the same data finds every request and delivers each byte for byte.
 */

const REQUESTS = 40;
const START_TIMEOUT_MS = 120_000;
const dataDir = mkdtempSync(join(tmpdir(), 'hookd-receive-crash-'));
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

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** Request i's body: not valid UTF-8 (0xff, 0xfe, NUL, a broken sequence), and its number. */
const bodyOf = (i: number) => Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), Buffer.from(`#${i}`)]);

it('kill -9 right after the last 2xx, then a restart: every request is stored and delivered byte for byte', async () => {
  let holding = true;
  // While the first process lives, forwards are held unanswered (nothing completes); after, answered.
  const receiver = await startReceiver((_req, _n, res) => {
    if (!holding) res.writeHead(200).end('ok');
  });
  database = await freshTestDatabase();
  const env = {
    HOOKD_DATA_DIR: dataDir,
    HOOKD_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    HOOKD_ALLOWED_NETWORKS: '127.0.0.0/8',
    ...database.env,
  };
  // Held forwards time out and their leases end soon after the kill, so the restart resends them.
  const first = await spawnHookd(
    { ...env, HOOKD_REQUEST_TIMEOUT_MS: '3000', HOOKD_LEASE_MARGIN_MS: '1000' },
    START_TIMEOUT_MS,
  );
  processes.push(first);
  let api = createApiClient(first.url, TEST_ADMIN_TOKEN);
  const source = (await api.post('/api/v1/source', { body: { name: 'crash' } })).body;
  const destination = (
    await api.post('/api/v1/destination', {
      body: { name: 'slow', url: `${receiver.url}/crash`, retrySchedule: [1, 1, 1, 1, 1, 1, 1, 1] },
    })
  ).body;
  expect(
    (await api.post('/api/v1/connection', { body: { source: source.id, destination: destination.id } })).status,
  ).toBe(201);

  let answered = 0;
  const statuses = await Promise.all(
    Array.from({ length: REQUESTS }, async (_, i) => {
      const res = await request(`${first.url}/in/${source.id}/item/${i}?n=${i}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'x-seq': String(i) },
        body: bodyOf(i),
      });
      await res.body.text();
      // The moment the last 2xx is in: no time for anything after the answer to run.
      if (++answered === REQUESTS) first.child.kill('SIGKILL');
      return res.statusCode;
    }),
  );
  await exited(first.child);
  expect(statuses.every((s) => s === 200)).toBe(true);
  const arrivedBeforeKill = receiver.requests.length;
  holding = false;

  const second = await spawnHookd({ ...env, HOOKD_REQUEST_TIMEOUT_MS: '20000' }, START_TIMEOUT_MS);
  processes.push(second);
  api = createApiClient(second.url, TEST_ADMIN_TOKEN);

  // Every request is in the API, with its bytes.
  const stored = (await api.get(`/api/v1/source/${source.id}/request?limit=250`)).body.data as {
    path: string;
    query: string;
    body: string;
    status: string;
  }[];
  expect(stored).toHaveLength(REQUESTS);
  for (const r of stored) {
    const i = Number(r.query.slice('n='.length));
    expect([r.status, r.path, sha256(Buffer.from(r.body, 'base64'))]).toEqual([
      'accepted',
      `/item/${i}`,
      sha256(bodyOf(i)),
    ]);
  }

  // Every request is delivered after the restart (the forwards held before the kill never completed).
  const answeredAfter = () => receiver.requests.slice(arrivedBeforeKill);
  await receiver.waitFor(() => new Set(answeredAfter().map((r) => r.headers['x-seq'])).size === REQUESTS, 120_000);
  for (const got of answeredAfter()) {
    const i = Number(got.headers['x-seq']);
    expect([got.method, got.url, sha256(got.rawBody)]).toEqual([
      'PUT',
      `/hook/crash/item/${i}?n=${i}`,
      sha256(bodyOf(i)),
    ]);
  }
  second.child.kill('SIGTERM');
  await exited(second.child);
  await receiver.close();
  console.log(
    `receive crash test: ${arrivedBeforeKill} forwards held at the kill, ${answeredAfter().length} after restart`,
  );
}, 400_000);
