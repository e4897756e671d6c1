import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { startTestHookd, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/*
 * Connection transforms through real HTTP, all on one source: one rewrites the request, one drops
 * it, one throws, one loops forever, one exhausts memory. Each fault ends its own event with a
 * named cause, and the queue keeps moving: a later request still arrives. And a throttled
 * destination gets every request, spaced.
 */

const TRANSFORMS = {
  rewrite: `function transform(request) {
    request.method = 'PUT';
    request.path = '/rewritten' + request.path;
    request.query = { from: 'transform' };
    request.headers['x-rewritten'] = 'yes';
    delete request.headers['x-drop-me'];
    request.body = { wrapped: request.body, count: request.body.items.length };
    return request;
  }`,
  drop: 'function transform(request) { return null; }',
  throws: `function transform(request) { throw new TypeError('no customer on ' + request.body.id); }`,
  loop: 'function transform(request) { while (true) {} }',
  // One allocation past the 16 MiB limit. (A hoard grown step by step also ends with the memory
  // error, but only after seconds of QuickJS collecting near its limit: reported, not fixed here.)
  memory: 'function transform(request) { const a = new Array(4e6).fill(request.body.id); return a.length; }',
  plain: null,
} as const;

type Name = keyof typeof TRANSFORMS;

describe('receive: transforms and the queue', () => {
  let hookd: TestHookd;
  let api: ApiClient;
  let receiver: Receiver;

  beforeAll(async () => {
    hookd = await startTestHookd();
    api = createApiClient(hookd.url, hookd.config.adminToken);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  const arrivedAt = (path: string) => receiver.requests.filter((r) => r.url.startsWith(`/hook/${path}`));

  async function send(sourceId: string, body: string, headers: Record<string, string> = {}) {
    const res = await request(`${hookd.url}/in/${sourceId}/orders?page=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    await res.body.text();
    expect(res.statusCode).toBe(200);
    const [stored] = (await api.get(`/api/v1/source/${sourceId}/request?limit=1`)).body.data;
    return stored.id as string;
  }

  it('rewrites, drops, throws, hits the time and memory limits, each on its own event; the queue keeps moving', async () => {
    const source = (await api.post('/api/v1/source', { body: { name: 'transforms' } })).body;
    const connectionOf: Record<string, Name> = {};
    for (const [name, transform] of Object.entries(TRANSFORMS) as [Name, string | null][]) {
      const dst = (
        await api.post('/api/v1/destination', { body: { name, url: `${receiver.url}/${name}`, retrySchedule: [1] } })
      ).body;
      const conn = await api.post('/api/v1/connection', {
        body: { name, source: source.id, destination: dst.id, ...(transform ? { transform } : {}) },
      });
      expect(conn.status, `${name}: ${JSON.stringify(conn.body)}`).toBe(201);
      connectionOf[conn.body.id] = name;
    }

    const first = await send(source.id, '{"id":"ord_1","items":[1,2,3]}', { 'x-drop-me': '1', 'x-keep': 'k' });
    // Each event ends: success where a request was sent, canceled for the drop, fail for the faults.
    const settled = async () => {
      const events = (await api.get(`/api/v1/request/${first}/event`)).body.data as {
        id: string;
        connectionId: string;
        status: string;
      }[];
      return Object.fromEntries(events.map((e) => [connectionOf[e.connectionId], e.status]));
    };
    await expect.poll(settled, { timeout: 60_000 }).toEqual({
      rewrite: 'success',
      drop: 'canceled',
      throws: 'fail',
      loop: 'fail',
      memory: 'fail',
      plain: 'success',
    });

    const events = (await api.get(`/api/v1/request/${first}/event`)).body.data as {
      id: string;
      connectionId: string;
    }[];
    const responseOf = async (name: Name) => {
      const event = events.find((e) => connectionOf[e.connectionId] === name)!;
      const attempts = (await api.get(`/api/v1/event/${event.id}/attempt`)).body.data as { response: string }[];
      expect(attempts, name).toHaveLength(1);
      return attempts[0].response;
    };
    expect(await responseOf('throws')).toMatch(/^transform failed: TypeError: no customer on ord_1/);
    expect(await responseOf('loop')).toMatch(/^transform failed: transform exceeded \d+ ms$/);
    expect(await responseOf('memory')).toMatch(/^transform failed: transform exceeded the .* memory limit$/);
    expect(await responseOf('drop')).toMatch(/dropped by the connection's transform/);

    // The rewritten request, as the transform made it.
    const [rewritten] = arrivedAt('rewrite');
    expect([rewritten.method, rewritten.url]).toEqual(['PUT', '/hook/rewrite/rewritten/orders?from=transform']);
    expect(rewritten.headers['x-rewritten']).toBe('yes');
    expect(rewritten.headers['x-keep']).toBe('k');
    expect(rewritten.headers['x-drop-me']).toBeUndefined();
    expect(JSON.parse(rewritten.body)).toEqual({ wrapped: { id: 'ord_1', items: [1, 2, 3] }, count: 3 });
    // The plain connection got the request as it came; the faulty ones sent nothing.
    const [plain] = arrivedAt('plain');
    expect([plain.method, plain.url, plain.body]).toEqual([
      'POST',
      '/hook/plain/orders?page=1',
      '{"id":"ord_1","items":[1,2,3]}',
    ]);
    for (const name of ['drop', 'throws', 'loop', 'memory']) expect(arrivedAt(name), name).toEqual([]);

    // After the faults, the next request still goes through (rewritten, and plain).
    await send(source.id, '{"id":"ord_2","items":[]}');
    await receiver.waitFor(() => arrivedAt('plain').length === 2 && arrivedAt('rewrite').length === 2);
    expect(arrivedAt('plain')[1].body).toBe('{"id":"ord_2","items":[]}');
    expect(JSON.parse(arrivedAt('rewrite')[1].body)).toEqual({ wrapped: { id: 'ord_2', items: [] }, count: 0 });
  });

  it('a destination throttled to 2/s gets all 6 requests, spaced over at least 2 s', async () => {
    const source = (await api.post('/api/v1/source', { body: { name: 'throttled' } })).body;
    const dst = (await api.post('/api/v1/destination', { body: { url: `${receiver.url}/throttled`, throttleRate: 2 } }))
      .body;
    expect(dst.throttleRate).toBe(2);
    expect((await api.post('/api/v1/connection', { body: { source: source.id, destination: dst.id } })).status).toBe(
      201,
    );
    for (let i = 0; i < 6; i++) await send(source.id, `{"n":${i}}`);
    await receiver.waitFor(() => arrivedAt('throttled').length === 6, 60_000);
    const got = arrivedAt('throttled');
    expect(new Set(got.map((r) => r.body))).toEqual(new Set([0, 1, 2, 3, 4, 5].map((i) => `{"n":${i}}`)));
    // 6 sends at 2/s: 5 gaps of 500 ms at least, 2.5 s from first to last; 2 s leaves room for clocks.
    const times = got.map((r) => r.receivedAt);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2_000);
  });
});
