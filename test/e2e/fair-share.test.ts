import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Svix } from 'svix';
import { afterEach, expect, it } from 'vitest';
import { startTestHookd, TEST_ADMIN_TOKEN } from '../helpers/hookd.js';
import { startReceiver } from '../helpers/receiver.js';

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

/** A server that accepts every request and never answers; counts the requests open at once. */
async function stalledServer() {
  const open = new Set<IncomingMessage>();
  const stats = { peak: 0, first: 0 };
  const server = createServer((req) => {
    stats.first ||= Date.now();
    open.add(req);
    stats.peak = Math.max(stats.peak, open.size);
    req.socket.on('close', () => open.delete(req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}/${path}`,
    stats,
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

async function start(overrides: { applicationConcurrency?: number } = {}) {
  const hookd = await startTestHookd({
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    endpointConcurrency: ENDPOINT_LIMIT,
    ...overrides,
  });
  cleanups.push(() => hookd.stop());
  const stalled = await stalledServer();
  cleanups.push(() => stalled.close());
  return { svix: new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url }), stalled };
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
