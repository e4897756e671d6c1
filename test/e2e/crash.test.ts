import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startReceiver } from '../helpers/receiver.js';
import { exited, spawnHookd, type HookdProcess } from '../helpers/hookd-process.js';
import { TEST_ADMIN_TOKEN } from '../helpers/hookd.js';
import { freshTestDatabase, type TestDatabase } from '../helpers/backend.js';

const MESSAGES = 1000;
const FIRST_CONCURRENCY = 32;
const dataDir = mkdtempSync(join(tmpdir(), 'hookd-crash-'));
const env = {
  HOOKD_DATA_DIR: dataDir,
  HOOKD_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  HOOKD_ALLOWED_NETWORKS: '127.0.0.0/8',
};
/**
 * The first process's lease is its request timeout + margin: what the restarted process waits
 * for before it takes the dead one's deliveries over (at most 22 s here). The timeout
 * is long enough that a loaded machine sees no timeout (its retry would be a duplicate the crash
 * did not cause), and so is the margin: a lease that ran out under the process that holds it would
 * let it claim the delivery again while its first request is still under way.
 */
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

async function api(base: string, path: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

it('kill -9 with 1,000 messages in flight, then a restart: every message is delivered', async () => {
  // A slow receiver, and a first process that keeps only 32 requests in flight, so that most
  // messages are still undelivered (and 32 in flight) when the process dies, on either backend.
  const receiver = await startReceiver((_req, _n, res) => {
    setTimeout(() => res.writeHead(200).end('ok'), 500);
  });
  database = await freshTestDatabase();
  Object.assign(env, database.env);
  const first = await spawnHookd(
    { ...env, ...FIRST_LEASE, HOOKD_WORKER_CONCURRENCY: String(FIRST_CONCURRENCY) },
    START_TIMEOUT_MS,
  );
  processes.push(first);
  const app = await api(first.url, '/app', { name: 'crash' });
  const endpoint = await api(first.url, `/app/${app.id}/endpoint`, { url: receiver.url });

  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < MESSAGES) {
        next++;
        ids.push((await api(first.url, `/app/${app.id}/msg`, { eventType: 'crash.test', payload: { n: next } })).id);
      }
    }),
  );
  first.child.kill('SIGKILL');
  await exited(first.child);
  const deliveredBeforeKill = new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size;
  expect(ids).toHaveLength(MESSAGES);
  expect(deliveredBeforeKill).toBeLessThan(MESSAGES);

  // The first process's leases decide when the second takes over. The second's own timeout is
  // long, so that on a loaded machine a slow answer is not a timeout whose retry would count as a
  // duplicate.
  const second = await spawnHookd({ ...env, HOOKD_REQUEST_TIMEOUT_MS: '60000' }, START_TIMEOUT_MS);
  processes.push(second);
  const wanted = new Set(ids);
  await receiver.waitFor((reqs) => new Set(reqs.map((r) => String(r.headers['webhook-id']))).size >= MESSAGES, 120_000);
  const arrived = receiver.requests.map((r) => String(r.headers['webhook-id']));
  expect(new Set(arrived)).toEqual(wanted);
  // The requests in flight at the kill are sent again once their leases expire: wait until no
  // delivery is left pending or sending, then count.
  await expect
    .poll(
      async () => {
        const res = await fetch(`${second.url}/api/v1/app/${app.id}/endpoint/${endpoint.id}/stats`, {
          headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
        });
        const stats = (await res.json()) as { pending: number; sending: number; success: number };
        return [stats.pending + stats.sending, stats.success];
      },
      { timeout: 120_000, interval: 500 },
    )
    .toEqual([0, MESSAGES]);
  const duplicates = receiver.requests.length - wanted.size;
  // At most the dead process's concurrency: a delivery holds its place until its outcome is
  // committed, so no more than that many were leased (and perhaps already sent) at the kill.
  expect(duplicates).toBeLessThanOrEqual(FIRST_CONCURRENCY);
  console.log(
    `crash test: ${deliveredBeforeKill} delivered before kill -9, ${duplicates} duplicate deliveries after restart`,
  );
  second.child.kill('SIGTERM');
  await exited(second.child);
  await receiver.close();
}, 400_000);
