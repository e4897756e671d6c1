import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/create-logger.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { DeliveryQueue, Store } from '../store/store.js';
import { DeliveryGate } from './delivery-gate.js';
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

/** A migrated store with one application and one endpoint at `url` (throttled to `throttleRate`, if given). */
async function storeWithEndpoint(open: () => Promise<Store>, url: string, throttleRate: number | null = null) {
  const store = await open();
  await store.migrate();
  const app = await store.applications.create({ name: 'a' }, Date.now());
  const endpoint = await store.endpoints.create(
    app.id,
    { url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', throttleRate },
    Date.now(),
  );
  return { store, app, endpoint };
}

const config = {
  retryScheduleSeconds: [1],
  headerStyle: 'webhook' as const,
  workerConcurrency: 10,
  requestTimeoutMs: 1_000,
  leaseMarginMs: 10_000,
};

describe.each(backends)('DeliveryEngine on %s', (_name, open) => {
  it('stops after the batches under way hand it their deliveries: it sends them, and leaves no lease', async () => {
    const { sender, counts, url } = await countingReceiver(20);
    const { store, app, endpoint } = await storeWithEndpoint(open, url);
    const engine = new DeliveryEngine({ queue: store.queue, sender, config });
    engine.start();
    await new Promise((resolve) => setTimeout(resolve, 100)); // its first claim pass is over: stop() has nothing else to wait for
    const created = Array.from({ length: 50 }, () =>
      store.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, Date.now()),
    );
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
      for (let i = 0; i < 20; i++)
        created.push(store.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, Date.now()));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await Promise.all(created);
    await expect.poll(() => counts.sent, { timeout: 20_000 }).toBe(1_200);
    expect(counts.peak).toBe(10);
    await engine.stop();
    await store.close();
  });
});

describe.each(backends)('DeliveryEngine on %s: the crash bound', (_name, open) => {
  it('holds a place until the outcome is committed: with recording stuck, no more than its concurrency is ever leased', async () => {
    const { sender, counts, url } = await countingReceiver(1);
    const { store, app } = await storeWithEndpoint(open, url);
    // The queue port as the engine sees it, with `record` held until the gate opens.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const queue: DeliveryQueue = {
      claim: (...args) => store.queue.claim(...args),
      record: async (...args) => {
        await gate;
        return store.queue.record(...args);
      },
      release: (...args) => store.queue.release(...args),
      postpone: (...args) => store.queue.postpone(...args),
      nextDueAt: () => store.queue.nextDueAt(),
      onWork: (listener) => store.queue.onWork(listener),
      attachLocalWorker: (worker) => store.queue.attachLocalWorker(worker),
    };
    const engine = new DeliveryEngine({ queue, sender, config });
    engine.start();
    await Promise.all(
      Array.from({ length: 50 }, () =>
        store.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, Date.now()),
      ),
    );
    await expect.poll(() => counts.sent, { timeout: 5_000 }).toBe(10);
    // Every response is in, none recorded: the leases are still held, so no place is free.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(counts.sent).toBe(10);
    openGate();
    await expect.poll(() => counts.sent, { timeout: 10_000 }).toBe(50);
    await engine.stop();
    await store.close();
  });
});

/** The gate's policy: the defaults of config.ts, as `startHookd` passes them. */
const gatePolicy = {
  throttleRecoveryMs: 60_000,
  circuitWindowMs: 30_000,
  circuitMinAttempts: 20,
  circuitFailurePercent: 50,
  circuitProbeIntervalMs: 5_000,
  disableAfterFailingMs: 5 * 24 * 3_600_000,
  leaseMarginMs: config.leaseMarginMs,
};

/**
 * The store's queue port, counting what the engine claims, what records hand off (and how many
 * records were asked to), and what it gives back without an attempt.
 */
function countingQueue(store: Store) {
  const counts = {
    claims: 0,
    /** The time (`now`) each claim was made at. */
    claimedAt: [] as number[],
    claimedIds: [] as string[],
    recordsHandingOff: 0,
    handedIds: [] as string[],
    givenBack: 0,
  };
  const queue: DeliveryQueue = {
    claim: async (...args) => {
      counts.claims++;
      counts.claimedAt.push(args[3]);
      const claimed = await store.queue.claim(...args);
      counts.claimedIds.push(...claimed.map((c) => c.delivery.id));
      return claimed;
    },
    record: async (workerId, outcomes, now, handOff) => {
      if (handOff) counts.recordsHandingOff++;
      const handed = await store.queue.record(workerId, outcomes, now, handOff);
      counts.handedIds.push(...handed.map((c) => c.delivery.id));
      return handed;
    },
    release: (...args) => store.queue.release(...args),
    postpone: (workerId, items, now) => {
      counts.givenBack += items.length;
      return store.queue.postpone(workerId, items, now);
    },
    nextDueAt: () => store.queue.nextDueAt(),
    onWork: (listener) => store.queue.onWork(listener),
    attachLocalWorker: (worker) => store.queue.attachLocalWorker(worker),
  };
  return { queue, counts };
}

describe.each(backends)('DeliveryEngine on %s, with a throttled endpoint', (_name, open) => {
  const throttledConfig = { ...config, workerConcurrency: 100 };
  const newGate = (store: Store) =>
    new DeliveryGate(store.health, { ...gatePolicy, workerConcurrency: 100 }, createLogger('silent'));
  const createMessages = (store: Store, appId: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, () =>
        store.messages.create({ appRef: appId, eventType: 't', payload: '{}' }, Date.now()),
      ),
    );
  const successes = async (store: Store, endpointId: string) => (await store.endpoints.stats(endpointId, {})).success;

  it('keeps each delivery until its slot near at hand: none goes back to the queue, none is leased twice', async () => {
    // 100/s with the endpoint's 16 live leases: the slots reserved run at most 160 ms ahead, well
    // within the second a delivery may wait in the process. Before issue 11's fix every delivery
    // but the first of each batch went back to the queue and was claimed again at its slot.
    const { sender, counts, url } = await countingReceiver(1);
    const { store, app, endpoint } = await storeWithEndpoint(open, url, 100);
    const { queue, counts: queueCounts } = countingQueue(store);
    const engine = new DeliveryEngine({ queue, sender, config: throttledConfig, gate: newGate(store) });
    engine.start();
    await createMessages(store, app.id, 60);
    await expect.poll(() => successes(store, endpoint.id), { timeout: 30_000 }).toBe(60);
    await engine.stop();
    expect(counts.sent).toBe(60);
    expect(queueCounts.givenBack).toBe(0);
    // Claimed or handed off at record (the endpoint at its limit of 16), each once.
    const leased = [...queueCounts.claimedIds, ...queueCounts.handedIds];
    expect(new Set(leased).size).toBe(leased.length);
    expect(await store.endpoints.stats(endpoint.id, {})).toMatchObject({ sending: 0, pending: 0, success: 60 });
    await store.close();
  });

  it('gives the deliveries waiting for their slot back at stop; another engine sends each of them once', async () => {
    // 5/s: of the endpoint's 16 leased deliveries, those with a slot within a second wait in the
    // process, the rest go back to the queue with their slot held.
    const { sender, counts, url } = await countingReceiver(1);
    const { store, app, endpoint } = await storeWithEndpoint(open, url, 5);
    const { queue, counts: queueCounts } = countingQueue(store);
    const engine = new DeliveryEngine({ queue, sender, config: throttledConfig, gate: newGate(store) });
    engine.start();
    await createMessages(store, app.id, 20);
    await expect.poll(() => counts.sent, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const givenBackBefore = queueCounts.givenBack;
    await engine.stop();
    // Some were waiting for their slot: stop gave them back (due at it) rather than send them early.
    expect(queueCounts.givenBack).toBeGreaterThan(givenBackBefore);
    const stopped = await store.endpoints.stats(endpoint.id, {});
    expect(stopped.sending).toBe(0);
    expect(stopped.success).toBe(counts.sent);
    expect(stopped.success + stopped.pending).toBe(20);

    const next = new DeliveryEngine({ queue: store.queue, sender, config: throttledConfig, gate: newGate(store) });
    next.start();
    await expect.poll(() => successes(store, endpoint.id), { timeout: 30_000 }).toBe(20);
    await next.stop();
    expect(counts.sent).toBe(20);
    expect(await store.endpoints.stats(endpoint.id, {})).toMatchObject({ sending: 0, pending: 0, success: 20 });
    await store.close();
  });

  it('holds the deliveries waiting for their slot through a Retry-After pause that came meanwhile', async () => {
    const answered: number[] = [];
    const arrived: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        arrived.push(Date.now());
        if (arrived.length === 1) res.writeHead(429, { 'retry-after': '2' }).end();
        else res.end();
        answered.push(Date.now());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sender = createHttpSender({ timeoutMs: 5_000, allowedNetworks: ['127.0.0.0/8'] });
    opened.push({ server, sender });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/h`;
    // 2/s: when the first one's 429 comes, the next two wait in the process for their slots, 500
    // and 1,000 ms on, and the fourth went back to the queue with its slot held.
    const { store, app, endpoint } = await storeWithEndpoint(open, url, 2);
    const { queue, counts } = countingQueue(store);
    const engine = new DeliveryEngine({
      queue,
      sender,
      config: { ...throttledConfig, retryScheduleSeconds: [0, 0.1] },
      gate: newGate(store),
    });
    engine.start();
    await createMessages(store, app.id, 4);
    await expect.poll(() => successes(store, endpoint.id), { timeout: 30_000 }).toBe(4);
    await engine.stop();
    expect(arrived).toHaveLength(5);
    expect(counts.givenBack).toBeGreaterThan(0);
    // Checked again at their slot, none went while the pause ran: it ends 2 s after hookd read
    // the 429, which the receiver answered earlier, and a slot counts as come 2 ms early.
    expect(arrived[1] - answered[0]).toBeGreaterThanOrEqual(1_998);
    await store.close();
  });
});

describe.each(backends)('DeliveryEngine on %s: the hand-off at record', (_name, open) => {
  const roomyConfig = { ...config, workerConcurrency: 100 };
  const createMessages = (store: Store, appId: string, n: number, eventType = 't', at = Date.now()) =>
    Promise.all(
      Array.from({ length: n }, () => store.messages.create({ appRef: appId, eventType, payload: '{}' }, at)),
    );

  it("passes an endpoint's places from each outcome to its next delivery: few are claimed, none twice", async () => {
    // The endpoint at its limit of 2, the engine's 100 places mostly free: before the hand-off at
    // record, each outcome's commit freed a place that only the next claim filled (58 claimed).
    const { sender, counts, url } = await countingReceiver(1);
    const store = await open();
    await store.migrate();
    const app = await store.applications.create({ name: 'a' }, Date.now());
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const endpoint = await store.endpoints.create(app.id, { url, secret, maxConcurrency: 2 }, Date.now());
    const { queue, counts: queueCounts } = countingQueue(store);
    const engine = new DeliveryEngine({ queue, sender, config: roomyConfig });
    engine.start();
    await createMessages(store, app.id, 60);
    await expect.poll(async () => (await store.endpoints.stats(endpoint.id, {})).success, { timeout: 30_000 }).toBe(60);
    await engine.stop();
    expect(counts.sent).toBe(60);
    expect(counts.peak).toBeLessThanOrEqual(2);
    const leased = [...queueCounts.claimedIds, ...queueCounts.handedIds];
    expect(new Set(leased).size).toBe(leased.length);
    // 2 handed at creation; a claim leases only while no outcome had yet been recorded after a
    // claim that left the endpoint's backlog behind (the engine's start), a place or two each.
    expect(queueCounts.claimedIds.length).toBeLessThanOrEqual(3 * 2);
    expect(queueCounts.handedIds.length).toBeGreaterThanOrEqual(60 - 2 - 3 * 2);
    expect(await store.endpoints.stats(endpoint.id, {})).toMatchObject({ sending: 0, pending: 0, success: 60 });
    await store.close();
  });

  it("hands nothing off while the engine's places are short: the claims share them, oldest due first", async () => {
    // 4 places, and a backlog of endpoint a (its limit 16): were a's outcomes to hand a's places
    // on, b's deliveries, due earlier, would wait for a's whole backlog.
    const arrived: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', async () => {
        arrived.push(req.url!);
        if (arrived.length <= 4) await held;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sender = createHttpSender({ timeoutMs: 5_000, allowedNetworks: ['127.0.0.0/8'] });
    opened.push({ server, sender });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const store = await open();
    await store.migrate();
    const app = await store.applications.create({ name: 'a' }, Date.now());
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    await store.endpoints.create(app.id, { url: `${base}/a`, secret, eventTypes: ['a'] }, Date.now());
    await store.endpoints.create(app.id, { url: `${base}/b`, secret, eventTypes: ['b'] }, Date.now());
    const { queue, counts: queueCounts } = countingQueue(store);
    const engine = new DeliveryEngine({ queue, sender, config: { ...config, workerConcurrency: 4 } });
    engine.start();
    await createMessages(store, app.id, 30, 'a');
    await expect.poll(() => arrived.length, { timeout: 10_000 }).toBe(4); // a's first four hold every place
    await createMessages(store, app.id, 6, 'b', Date.now() - 60_000);
    release();
    await expect.poll(() => arrived.length, { timeout: 30_000 }).toBe(36);
    await engine.stop();
    expect(queueCounts.handedIds).toEqual([]);
    // Each place freed went to a claim, which takes rank 1 of each endpoint before rank 2, the
    // earlier due first within a rank: b gets at least every other place from then on.
    expect(arrived.slice(0, 4)).toEqual(Array(4).fill('/a'));
    expect(arrived[4]).toBe('/b');
    expect(arrived.slice(4, 16).filter((u) => u === '/b')).toHaveLength(6);
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

describe.each(backends)('DeliveryEngine on %s, with deliveries of kind event', (_name, open) => {
  it('forwards a stored request byte for byte (method, binary body, headers in order) and retries a 500 per the schedule', async () => {
    /** Not valid UTF-8, with a NUL: a text round trip anywhere would change these bytes. */
    const body = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x0a, 0xe2, 0x82]);
    const arrived: { method: string; url: string; rawHeaders: string[]; body: Buffer }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        arrived.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) });
        // /in fails once, then succeeds; /fail always fails.
        const fail = req.url!.startsWith('/fail') || arrived.filter((a) => a.url.startsWith('/in')).length === 1;
        res.writeHead(fail ? 500 : 200).end(fail ? 'boom' : 'ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sender = createHttpSender({ timeoutMs: 5_000, allowedNetworks: ['127.0.0.0/8'] });
    opened.push({ server, sender });
    const port = (server.address() as AddressInfo).port;

    const store = await open();
    await store.migrate();
    const destination = await store.destinations.create({ url: `http://127.0.0.1:${port}/in` }, Date.now());
    const failing = await store.destinations.create({ url: `http://127.0.0.1:${port}/fail` }, Date.now());
    // Two attempts: one retry, 200 ms after the first fails.
    const engine = new DeliveryEngine({
      queue: store.queue,
      sender,
      config: { ...config, retryScheduleSeconds: [0, 0.2] },
    });
    engine.start();
    const headers = [
      ['X-B', '2'],
      ['Host', 'hookd.example'],
      ['content-type', 'application/octet-stream'],
      ['Connection', 'close'],
      ['x-b', '3'],
    ] as const;
    const { request } = await store.inbound.receive(
      { sourceId: null, method: 'PUT', path: '/orders?id=7', headers, body },
      [destination.id, failing.id].map((destinationId) => ({ connectionId: null, destinationId })),
      null,
      Date.now(),
    );

    await expect
      .poll(async () => (await store.requests.listRequestAttempts(request.id)).length, { timeout: 10_000 })
      .toBe(4);
    await engine.stop(); // nothing left in flight: no further attempt can be under way
    expect(arrived).toHaveLength(4);
    for (const got of arrived) {
      expect(got.method).toBe('PUT');
      expect(got.url).toMatch(/^\/(in|fail)\/orders\?id=7$/);
      expect(got.body.equals(body)).toBe(true);
      const pairs = [];
      for (let i = 0; i < got.rawHeaders.length; i += 2) pairs.push([got.rawHeaders[i], got.rawHeaders[i + 1]]);
      expect(pairs.filter(([name]) => !['host', 'content-length', 'connection'].includes(name.toLowerCase()))).toEqual([
        ['X-B', '2'],
        ['content-type', 'application/octet-stream'],
        ['x-b', '3'],
        ['x-hookd-request-id', request.id],
        ['x-hookd-event-id', expect.stringMatching(/^evt_/)],
      ]);
      expect(pairs).toContainEqual(['host', `127.0.0.1:${port}`]);
      expect(pairs).toContainEqual(['content-length', String(body.length)]);
    }
    const attempts = await store.requests.listRequestAttempts(request.id);
    const to = (id: string) =>
      attempts.filter((a) => a.destinationId === id).map((a) => [a.status, a.responseStatusCode, a.response, a.url]);
    expect(to(destination.id)).toEqual([
      ['fail', 500, 'boom', `http://127.0.0.1:${port}/in/orders?id=7`],
      ['success', 200, 'ok', `http://127.0.0.1:${port}/in/orders?id=7`],
    ]);
    // The schedule has two entries: after the second failure the delivery has failed for good.
    expect(to(failing.id)).toEqual([
      ['fail', 500, 'boom', `http://127.0.0.1:${port}/fail/orders?id=7`],
      ['fail', 500, 'boom', `http://127.0.0.1:${port}/fail/orders?id=7`],
    ]);
    expect(attempts[0]).toMatchObject({ kind: 'event', requestId: request.id });
    expect(attempts[0].requestHeaders).toEqual({
      'X-B': '2',
      'content-type': 'application/octet-stream',
      'x-b': '3',
      'x-hookd-request-id': request.id,
      'x-hookd-event-id': attempts[0].deliveryId,
    });
    expect(await store.queue.nextDueAt()).toBeNull();
    await store.close();
  });
});

describe.each(backends)('DeliveryGate on %s, with an open circuit', (_name, open) => {
  it("holds the target's queued deliveries until its probe, so that claims do not lease them a batch at a time", async () => {
    // Behind a dead destination with a backlog, each claim leased the next batch of due
    // deliveries and the gate gave each batch back, as fast as claims went: the ingest fell to a
    // fifth of its rate. Now the first admission holds the rest of the queue until the probe.
    const { store, app, endpoint } = await storeWithEndpoint(open, 'http://127.0.0.1:9/');
    const now = Date.now();
    for (let i = 0; i < 40; i++) await store.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, now);
    const probeAt = now + 60_000;
    await store.health.setCircuit(endpoint.id, 'open', probeAt, now);
    const gate = new DeliveryGate(store.health, { ...gatePolicy, workerConcurrency: 100 }, createLogger('silent'));

    const claimed = await store.queue.claim('w', 5, 30_000, now);
    expect(claimed).toHaveLength(5);
    const admission = await gate.admit(claimed, now);
    expect(admission.go).toEqual([]);
    expect(admission.postponed.map((p) => p.dueAt)).toEqual(Array(5).fill(probeAt));
    await store.queue.postpone('w', admission.postponed, now);
    // None of the 40 is due before the probe: a claim meanwhile finds nothing.
    expect(await store.queue.nextDueAt()).toBe(probeAt);
    expect(await store.queue.claim('w', 100, 30_000, now + 1_000)).toEqual([]);
    // Closing the circuit makes all of them due again, and a gate whose copy of the row still
    // says open (up to a second old) holds nothing any more.
    expect(await store.health.closeCircuit({ id: endpoint.id, kind: 'endpoint' }, probeAt, now + 2_000)).toBe(40);
    expect(await store.health.holdQueue(endpoint.id, now + 2_500)).toBe(0);
    expect(await store.queue.nextDueAt()).toBe(now + 2_000);
    await store.close();
  });

  it('sends what was created for a paused target at the end of the pause, with no claim before it', async () => {
    // Each group commit behind the pause says when its deliveries are due; the engine keeps its
    // timer there rather than claim (it would find nothing) or sleep to its 30 s idle poll.
    const { sender, counts, url } = await countingReceiver(1);
    const { store, app, endpoint } = await storeWithEndpoint(open, url);
    const { queue, counts: queueCounts } = countingQueue(store);
    const gate = new DeliveryGate(store.health, { ...gatePolicy, workerConcurrency: 100 }, createLogger('silent'));
    const engine = new DeliveryEngine({ queue, sender, config, gate });
    engine.start();
    await expect.poll(() => queueCounts.claims).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100)); // its first pass is over: nothing due, the timer at its idle poll
    const pausedUntil = Date.now() + 1_500;
    await store.health.slowDown(endpoint.id, { slowRate: null, slowCeiling: null, pausedUntil }, Date.now());
    for (let i = 0; i < 5; i++)
      await store.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, Date.now());
    await expect.poll(() => counts.sent, { timeout: 20_000 }).toBe(5);
    const claimedAt = queueCounts.claimedAt.slice(1);
    expect(claimedAt.length).toBeGreaterThan(0);
    expect(claimedAt.filter((at) => at < pausedUntil)).toEqual([]);
    await engine.stop();
    await store.close();
  });

  it("holds a paused target's queued deliveries until the pause's end", async () => {
    const { store, app, endpoint } = await storeWithEndpoint(open, 'http://127.0.0.1:9/');
    const now = Date.now();
    for (let i = 0; i < 40; i++) await store.messages.create({ appRef: app.id, eventType: 't', payload: '{}' }, now);
    const pausedUntil = now + 60_000;
    await store.health.slowDown(endpoint.id, { slowRate: null, slowCeiling: null, pausedUntil }, now);
    const gate = new DeliveryGate(store.health, { ...gatePolicy, workerConcurrency: 100 }, createLogger('silent'));

    const admission = await gate.admit(await store.queue.claim('w', 5, 30_000, now), now);
    expect(admission.postponed.map((p) => p.dueAt)).toEqual(Array(5).fill(pausedUntil));
    await store.queue.postpone('w', admission.postponed, now);
    expect(await store.queue.nextDueAt()).toBe(pausedUntil);
    expect(await store.queue.claim('w', 100, 30_000, now + 1_000)).toEqual([]);
    await store.close();
  });
});
