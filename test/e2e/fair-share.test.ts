import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Svix } from 'svix';
import { afterEach, expect, it } from 'vitest';
import { createApiClient } from '../helpers/api-client.js';
import { startTestHookd, TEST_ADMIN_TOKEN } from '../helpers/hookd.js';
import { startReceiver } from '../helpers/receiver.js';
import { waitUntil } from '../helpers/wait-until.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Long enough that, on a loaded machine, the healthy deliveries all fit before the first stalled request times out. */
const REQUEST_TIMEOUT_MS = 20_000;
const ENDPOINT_LIMIT = 16;
const STALLED_ENDPOINTS = 3;
/** The default, a quarter of the default engine (256 places). */
const APPLICATION_LIMIT = 64;

/**
 * A server that accepts every request and does not answer until `answer()`, then answers each
 * held and later request 200; counts the requests open at once, and keeps each request's body.
 */
async function stalledServer() {
  const open = new Set<IncomingMessage>();
  const stats = { peak: 0, first: 0 };
  const bodies: string[] = [];
  const held: (() => void)[] = [];
  let answering = false;
  const server = createServer((req, res) => {
    stats.first ||= Date.now();
    open.add(req);
    stats.peak = Math.max(stats.peak, open.size);
    req.socket.on('close', () => open.delete(req));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        open.delete(req);
        res.end('ok');
      };
      if (answering) reply();
      else held.push(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}/${path}`,
    stats,
    open,
    bodies,
    answer: () => {
      answering = true;
      for (const reply of held.splice(0)) reply();
    },
    /** Drops the held requests, so that hookd's stop does not wait out their timeout. */
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends 100 messages to a healthy endpoint of a new application, each stamped when it was sent,
 * and waits for all of them; checks that every one arrived before the first stalled request could
 * time out (none waited for a place that a stalled request held). Returns the arrival delays (ms).
 */
async function healthyDeliveries(svix: Svix, stalled: Awaited<ReturnType<typeof stalledServer>>) {
  const healthy = await startReceiver(() => 200);
  cleanups.push(() => healthy.close());
  const app = await svix.application.create({ name: 'healthy' });
  await svix.endpoint.create(app.id, { url: healthy.url });
  await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      svix.message.create(app.id, { eventType: 'a.b', payload: { i, sentAt: Date.now() } }),
    ),
  );
  await healthy.waitFor((reqs) => reqs.length >= 100, 2 * REQUEST_TIMEOUT_MS);

  expect(new Set(healthy.requests.map((r) => JSON.parse(r.body).i)).size).toBe(100);
  const lastArrival = Math.max(...healthy.requests.map((r) => r.receivedAt));
  expect(stalled.stats.first).toBeGreaterThan(0);
  expect(lastArrival).toBeLessThan(stalled.stats.first + REQUEST_TIMEOUT_MS);
  return healthy.requests.map((r) => r.receivedAt - JSON.parse(r.body).sentAt).sort((a, b) => a - b);
}

async function start(overrides: { applicationConcurrency?: number; endpointConcurrency?: number } = {}) {
  const hookd = await startTestHookd({
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    endpointConcurrency: ENDPOINT_LIMIT,
    ...overrides,
  });
  cleanups.push(() => hookd.stop());
  const stalled = await stalledServer();
  cleanups.push(() => stalled.close());
  return { hookd, svix: new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url }), stalled };
}

it('stalled endpoints hold at most their limit each, and a healthy endpoint gets all of its 100 messages meanwhile', async () => {
  const { svix, stalled } = await start();
  // 300 deliveries to endpoints that never answer: 100 messages, each to 3 endpoints.
  const slowApp = await svix.application.create({ name: 'stalled' });
  for (let i = 0; i < STALLED_ENDPOINTS; i++) await svix.endpoint.create(slowApp.id, { url: stalled.url(`e${i}`) });
  await Promise.all(
    Array.from({ length: 100 }, (_, i) => svix.message.create(slowApp.id, { eventType: 'a.b', payload: { i } })),
  );
  const delays = await healthyDeliveries(svix, stalled);
  // The stalled endpoints got their share, and no more: the engine has 256 places.
  expect(stalled.stats.peak).toBe(ENDPOINT_LIMIT * STALLED_ENDPOINTS);
  console.log(
    `fair share (${process.env.HOOKD_TEST_BACKEND ?? 'sqlite'}): healthy arrival delay p50 ${delays[49]} ms, max ${delays[99]} ms; ` +
      `stalled requests open at most ${stalled.stats.peak}`,
  );
});

it("100 stalled endpoints of one application hold at most the application's limit, and another application's endpoint gets its 100 messages meanwhile", async () => {
  // The scenario: each stalled endpoint stays under its own limit (3 < 16), and together
  // (300) they would fill the engine (256 places) without the application's limit.
  const { svix, stalled } = await start({ applicationConcurrency: APPLICATION_LIMIT });
  const slowApp = await svix.application.create({ name: 'stalled' });
  for (let i = 0; i < 100; i++) await svix.endpoint.create(slowApp.id, { url: stalled.url(`e${i}`) });
  await Promise.all(
    Array.from({ length: 3 }, (_, i) => svix.message.create(slowApp.id, { eventType: 'a.b', payload: { i } })),
  );
  const delays = await healthyDeliveries(svix, stalled);
  expect(stalled.stats.peak).toBe(APPLICATION_LIMIT);
  console.log(
    `application share (${process.env.HOOKD_TEST_BACKEND ?? 'sqlite'}): healthy arrival delay p50 ${delays[49]} ms, ` +
      `max ${delays[99]} ms; stalled requests open at most ${stalled.stats.peak}`,
  );
});

/** How one face makes work for a stalled target: a request to a source connected to it, or a message to an endpoint. */
async function stalledTarget(face: 'receive' | 'send', url: string, hookdUrl: string) {
  const api = createApiClient(hookdUrl, TEST_ADMIN_TOKEN);
  if (face === 'receive') {
    const source = (await api.post('/api/v1/source', { body: { name: 'in' } })).body;
    const destination = (await api.post('/api/v1/destination', { body: { name: 'slow', url } })).body;
    const connection = await api.post('/api/v1/connection', {
      body: { source: source.id, destination: destination.id },
    });
    expect(connection.status).toBe(201);
    return async (i: number) =>
      expect((await api.post(`/in/${source.id}`, { body: { i }, token: null })).status).toBe(200);
  }
  const app = (await api.post('/api/v1/app', { body: { name: 'slow' } })).body;
  expect((await api.post(`/api/v1/app/${app.id}/endpoint`, { body: { url } })).status).toBe(201);
  return async (i: number) =>
    expect((await api.post(`/api/v1/app/${app.id}/msg`, { body: { eventType: 'a.b', payload: { i } } })).status).toBe(
      202,
    );
}

it.each(['receive', 'send'] as const)(
  '%s: work made for a target at its limit starts no claim per commit, and all of it goes out once the target answers',
  async (face) => {
    // Every commit that left work pending used to wake a claim, and a claim behind a backlog that
    // the fair shares hold back reads the front of the due index for nothing: ingest ran at less
    // than half its rate behind a slow destination. Now such a commit signals `held`, and a
    // lease's end hands its place on.
    const LIMIT = 2;
    const { hookd, stalled } = await start({ endpointConcurrency: LIMIT });
    const send = await stalledTarget(face, stalled.url('hook'), hookd.url);
    for (let i = 0; i < LIMIT; i++) await send(i);
    await waitUntil(async () => stalled.open.size === LIMIT, 10_000);

    // Counted at the store's own queue: hookd.store.queue may be a decorator (the sealed store),
    // a Proxy whose prototype and assignments are its target's. On PostgreSQL each claim takes
    // 30 ms more, as its several round trips may, so that commits signal while one runs (a
    // SQLite claim is one synchronous transaction: nothing runs during it).
    const queue = hookd.store.queue;
    const claim: typeof queue.claim = Object.getPrototypeOf(queue).claim;
    const claimMs = process.env.HOOKD_TEST_BACKEND === 'postgres' ? 30 : 0;
    let claims = 0;
    queue.claim = async function (this: typeof queue, ...args) {
      claims++;
      if (claimMs > 0) await new Promise((resolve) => setTimeout(resolve, claimMs));
      return claim.apply(this, args);
    };
    // Eight senders for 1.5 s, each pausing 5 ms between its requests (at most ~2,400 in all, for
    // the forwards after): past the engine's recheck of held-back work (once a second), during
    // which commits go on signalling.
    const startedAt = Date.now();
    let total = LIMIT;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() - startedAt < 1_500) {
          await send(total++);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    );
    const seconds = (Date.now() - startedAt) / 1000;
    const claimed = claims;
    // What may claim: the recheck, once a second. A claim per commit, or passes back to back
    // while commits signal during each, would be hundreds.
    expect(claimed).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(stalled.stats.peak).toBe(LIMIT);

    stalled.answer();
    await waitUntil(async () => stalled.bodies.length >= total, 60_000);
    const received = stalled.bodies.map((body) => JSON.parse(body).i as number);
    expect(new Set(received).size).toBe(total);
    expect(received.length).toBe(total);
    console.log(
      `held back (${face}, ${process.env.HOOKD_TEST_BACKEND ?? 'sqlite'}): ${total - LIMIT} commits in ${seconds} s ` +
        `for a target at its limit started ${claimed} claims`,
    );
  },
);
