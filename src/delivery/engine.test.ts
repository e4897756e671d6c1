import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { DeliveryEngine } from './engine.js';
import { createHttpSender, type HttpSender } from './http-sender.js';

const dir = mkdtempSync(join(tmpdir(), 'hookd-engine-'));
const pgUrl = process.env.HOOKD_TEST_DATABASE_URL;
const schemas: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!pgUrl || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const backends: [string, () => Promise<Store>][] = [
  ['sqlite', async () => SqliteStore.open(join(dir, `${randomBytes(4).toString('hex')}.db`))],
];
if (pgUrl) {
  backends.push([
    'postgres',
    async () => {
      const schema = `hookd_test_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      return PostgresStore.open(pgUrl, { schema, poolSize: 6 });
    },
  ]);
}

/** What each test started; closed after it. */
const opened: { server: Server; sender: HttpSender }[] = [];
afterEach(async () => {
  for (const { server, sender } of opened.splice(0)) {
    await sender.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/**
 * A loopback receiver that answers 200 after `holdMs` and counts the requests it has open, and
 * the real sender to reach it. The engine's concurrency is what is under test: the sender's pool
 * is larger than it, so that an excess would reach the receiver instead of queueing for a socket
 * where the receiver could not see it.
 */
async function countingReceiver(holdMs: number) {
  const counts = { open: 0, peak: 0, sent: 0 };
  const server = createServer((req, res) => {
    counts.peak = Math.max(counts.peak, ++counts.open);
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        counts.open--;
        counts.sent++;
        res.end();
      }, holdMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sender = createHttpSender({ timeoutMs: 5_000, allowedNetworks: ['127.0.0.0/8'], connectionsPerOrigin: 100 });
  opened.push({ server, sender });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/h`;
  return { sender, counts, url };
}

/** A migrated store with one application and one endpoint at `url`. */
async function storeWithEndpoint(open: () => Promise<Store>, url: string) {
  const store = await open();
  await store.migrate();
  const app = await store.applications.create({ name: 'a' }, Date.now());
  const endpoint = await store.endpoints.create(app.id, { url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, Date.now());
  return { store, app, endpoint };
}

const config = { retryScheduleSeconds: [1], headerStyle: 'webhook' as const, workerConcurrency: 10, requestTimeoutMs: 1_000 };

describe.each(backends)('DeliveryEngine on %s', (_name, open) => {
  it('stops after the batches under way hand it their deliveries: it sends them, and leaves no lease', async () => {
    const { sender, counts, url } = await countingReceiver(20);
    const { store, app, endpoint } = await storeWithEndpoint(open, url);
    const engine = new DeliveryEngine({ queue: store.queue, sender, config });
    engine.start();
    await new Promise((resolve) => setTimeout(resolve, 100)); // its first claim pass is over: stop() has nothing else to wait for
    const created = Array.from({ length: 50 }, () => store.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, Date.now()));
    await engine.stop(); // while the batch is being written
    await Promise.all(created);
    const stats = await store.endpoints.stats(endpoint.id, {});
    expect(stats.sending).toBe(0);
    expect(stats.success).toBe(counts.sent);
    expect(stats.success + stats.pending).toBe(50);
    await store.close();
  });

  it('never starts more deliveries than its concurrency while hand-offs and claims overlap', async () => {
    const { sender, counts, url } = await countingReceiver(20);
    const { store, app } = await storeWithEndpoint(open, url);
    const engine = new DeliveryEngine({ queue: store.queue, sender, config });
    engine.start();
    // 60 waves of 20 every 3 ms: each wave's batch reserves what room is left while the engine claims
    // the earlier waves' rest as its sends finish.
    const created: Promise<unknown>[] = [];
    for (let wave = 0; wave < 60; wave++) {
      for (let i = 0; i < 20; i++) created.push(store.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, Date.now()));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await Promise.all(created);
    await expect.poll(() => counts.sent, { timeout: 20_000 }).toBe(1_200);
    expect(counts.peak).toBe(10);
    await engine.stop();
    await store.close();
  });
});

describe.skipIf(!pgUrl)('DeliveryEngine on postgres, with another process', () => {
  it('delivers work that a process with a clock ahead of its own announced as due now', async () => {
    const { sender, counts, url } = await countingReceiver(1);
    const { store: engineStore, app } = await storeWithEndpoint(
      backends[1]?.[1] ?? (() => Promise.reject(new Error('no postgres'))),
      url,
    );
    const schema = schemas.at(-1)!;
    const api = await PostgresStore.open(pgUrl!, { schema, poolSize: 2 });
    const engine = new DeliveryEngine({ queue: engineStore.queue, sender, config });
    engine.start();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the engine is idle, its timer 30 s away
    const started = Date.now();
    await api.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, started + 300);
    // Claimed at once it is not yet due by this clock; the engine then asks when it is.
    await expect.poll(() => counts.sent, { timeout: 5_000 }).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await engine.stop();
    await api.close();
    await engineStore.close();
  });
});
