import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
const PUBLIC_URL = 'https://hooks.example.test';

/** The receive API's configuration routes: sources, destinations, connections. */
describe('/api/v1/source, /destination, /connection', () => {
  let server: TestServer;
  let api: ApiClient;

  const create = async (kind: 'source' | 'destination' | 'connection', body: Record<string, unknown>) => {
    const res = await api.post(`/api/v1/${kind}`, { body });
    expect(res.status, res.text).toBe(201);
    return res.body;
  };
  const source = (body: Record<string, unknown> = {}) => create('source', { name: 'Stripe', ...body });
  const destination = (body: Record<string, unknown> = {}) =>
    create('destination', { name: 'Orders', url: 'https://svc.example.test/in', ...body });

  beforeAll(async () => {
    server = await startTestServer({ publicUrl: PUBLIC_URL });
    api = createApiClient(server.url, server.token);
  });
  afterAll(() => server?.close());

  describe('sources', () => {
    it('creates (201) a source with its public URL, defaults filled in', async () => {
      const res = await api.post('/api/v1/source', { body: { name: 'Capture', uid: 'capture', unknown: 1 } });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^src_/),
        uid: 'capture',
        name: 'Capture',
        url: `${PUBLIC_URL}/in/${res.body.id}`,
        verification: { type: 'none' },
        response: {
          status: 200,
          body: '{"ok":true}',
          contentType: 'application/json',
          headers: {},
          delayMs: 0,
          cors: false,
        },
        dedup: null,
        disabled: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
    });

    it('keeps every given field', async () => {
      const body = {
        name: 'GitHub',
        verification: { type: 'github', secrets: ['s3cret'] },
        response: { status: 202, body: 'ok', contentType: 'text/plain', headers: { 'x-served-by': 'hookd' } },
        dedup: { by: 'header', header: 'X-GitHub-Delivery', windowSeconds: 3600 },
        disabled: true,
      };
      const created = await source(body);
      expect(created).toMatchObject(body);
      expect((await api.get(`/api/v1/source/${created.id}`)).body).toEqual(created);
    });

    it('gets, patches and deletes by id and by uid; 404 for an unknown one', async () => {
      const created = await source({ uid: 'by-uid' });
      expect((await api.get('/api/v1/source/by-uid')).body).toEqual(created);
      const patched = await api.patch('/api/v1/source/by-uid', {
        body: { name: 'Renamed', dedup: { by: 'body-hash', windowSeconds: 60 } },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body).toMatchObject({
        id: created.id,
        uid: 'by-uid',
        name: 'Renamed',
        verification: { type: 'none' },
        dedup: { by: 'body-hash', windowSeconds: 60 },
      });
      const cleared = await api.patch(`/api/v1/source/${created.id}`, { body: { dedup: null, uid: null } });
      expect(cleared.body).toMatchObject({ uid: null, dedup: null, name: 'Renamed' });
      expect((await api.delete(`/api/v1/source/${created.id}`)).status).toBe(204);
      const missing = await api.get(`/api/v1/source/${created.id}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ code: 'not_found', detail: 'source not found' });
      expect((await api.patch('/api/v1/source/nope', { body: { name: 'x' } })).status).toBe(404);
      expect((await api.delete('/api/v1/source/nope')).status).toBe(404);
    });

    it('answers 409 for a uid another source has', async () => {
      await source({ uid: 'taken-src' });
      const res = await api.post('/api/v1/source', { body: { name: 'x', uid: 'taken-src' } });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ code: 'conflict', detail: 'a source with this uid already exists' });
      const other = await source();
      expect((await api.patch(`/api/v1/source/${other.id}`, { body: { uid: 'taken-src' } })).status).toBe(409);
    });

    it('lists with paging', async () => {
      const server2 = await startTestServer();
      const api2 = createApiClient(server2.url, server2.token);
      try {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push((await api2.post('/api/v1/source', { body: { name: `s${i}` } })).body.id);
        const first = await api2.get('/api/v1/source?limit=2');
        expect(first.body).toMatchObject({ done: false, iterator: ids[1], prevIterator: `-${ids[0]}` });
        expect(first.body.data.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2));
        const second = await api2.get(`/api/v1/source?limit=2&iterator=${first.body.iterator}`);
        expect(second.body).toMatchObject({ done: true, data: [{ id: ids[2] }] });
        expect((await api2.get('/api/v1/source?limit=251')).status).toBe(422);
      } finally {
        await server2.close();
      }
    });
  });

  describe('destinations', () => {
    it('creates (201) a destination with every field, and reads it back by uid', async () => {
      const body = {
        name: 'Billing',
        uid: 'billing',
        url: 'https://billing.example.test/hooks',
        headers: { 'x-env': 'prod' },
        basicAuth: { username: 'u', password: 'p' },
        throttleRate: 10,
        retrySchedule: [0, 5, 300],
        timeoutMs: 5000,
        secret: SECRET,
      };
      const created = await destination(body);
      expect(created).toEqual({
        ...body,
        id: expect.stringMatching(/^dst_/),
        kind: 'http',
        disabled: false,
        circuitState: 'closed',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect((await api.get('/api/v1/destination/billing')).body).toEqual(created);
    });

    it('fills defaults, patches (null clears a setting), deletes; 404 and 409', async () => {
      const created = await destination({ uid: 'd-one', throttleRate: 3 });
      expect(created).toMatchObject({
        headers: {},
        basicAuth: null,
        retrySchedule: null,
        timeoutMs: null,
        secret: null,
        throttleRate: 3,
      });
      const patched = await api.patch('/api/v1/destination/d-one', {
        body: { throttleRate: null, timeoutMs: 100, disabled: true },
      });
      expect(patched.body).toMatchObject({ throttleRate: null, timeoutMs: 100, disabled: true, name: 'Orders' });
      const conflict = await api.post('/api/v1/destination', { body: { url: 'https://x.example.test', uid: 'd-one' } });
      expect(conflict.status).toBe(409);
      expect((await api.delete('/api/v1/destination/d-one')).status).toBe(204);
      expect((await api.get('/api/v1/destination/d-one')).body).toEqual({
        code: 'not_found',
        detail: 'destination not found',
      });
      expect((await api.get('/api/v1/destination?limit=1')).body).toMatchObject({ data: [expect.any(Object)] });
    });
  });

  describe('connections', () => {
    it('connects a source to a destination by uid; lists by source and destination', async () => {
      const src = await source({ uid: 'conn-src' });
      const dst = await destination({ uid: 'conn-dst' });
      const res = await api.post('/api/v1/connection', {
        body: {
          name: 'paid',
          source: 'conn-src',
          destination: 'conn-dst',
          filter: { body: { type: { $eq: 'invoice.paid' } } },
          transform: 'function transform(request) { return request; }',
        },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^conn_/),
        name: 'paid',
        sourceId: src.id,
        destinationId: dst.id,
        filter: { body: { type: { $eq: 'invoice.paid' } } },
        transform: 'function transform(request) { return request; }',
        disabled: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const other = await create('connection', { source: src.id, destination: (await destination()).id });
      const bySource = await api.get('/api/v1/connection?source=conn-src');
      expect(bySource.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id, other.id]);
      const byDestination = await api.get(`/api/v1/connection?destination=${dst.id}`);
      expect(byDestination.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
      expect((await api.get('/api/v1/connection?source=nope')).status).toBe(404);
      expect((await api.get(`/api/v1/connection/${res.body.id}`)).body).toEqual(res.body);
    });

    it('404s an unknown source or destination, patches, deletes', async () => {
      const src = await source();
      const dst = await destination();
      const noSource = await api.post('/api/v1/connection', { body: { source: 'nope', destination: dst.id } });
      expect(noSource.status).toBe(404);
      expect(noSource.body.detail).toBe('source not found');
      const noDestination = await api.post('/api/v1/connection', { body: { source: src.id, destination: 'nope' } });
      expect(noDestination.body).toEqual({ code: 'not_found', detail: 'destination not found' });

      const conn = await create('connection', { source: src.id, destination: dst.id, filter: { path: '/a' } });
      const patched = await api.patch(`/api/v1/connection/${conn.id}`, { body: { disabled: true, filter: null } });
      expect(patched.body).toMatchObject({ disabled: true, filter: null, sourceId: src.id });
      expect((await api.delete(`/api/v1/connection/${conn.id}`)).status).toBe(204);
      expect((await api.get(`/api/v1/connection/${conn.id}`)).status).toBe(404);
      expect((await api.patch(`/api/v1/connection/${conn.id}`, { body: {} })).status).toBe(404);
    });

    it('shows a filter back as it was written: numbers and all, through create, get, list and patch', async () => {
      const src = await source();
      const dst = await destination();
      const filter = '{"body":{"data.id":12345678901234567890,"amount":{"$gte":1.0}},"headers":{"x-a":"\\u00e9"}}';
      const res = await api.post('/api/v1/connection', {
        body: `{"source":"${src.id}","destination":"${dst.id}","filter": ${filter.replace(':', ' : ')}}`,
      });
      expect(res.status, res.text).toBe(201);
      expect(res.text).toContain(`"filter":${filter}`);
      const path = `/api/v1/connection/${res.body.id}`;
      expect((await api.get(path)).text).toContain(`"filter":${filter}`);
      expect((await api.get(`/api/v1/connection?source=${src.id}`)).text).toContain(`"filter":${filter}`);
      expect((await api.patch(path, { body: { name: 'kept' } })).text).toContain(`"filter":${filter}`);
      const changed = '{"body":{"n":-0.0}}';
      expect((await api.patch(path, { body: `{"filter":${changed}}` })).text).toContain(`"filter":${changed}`);
    });

    it('goes with its source, and with its destination', async () => {
      const src = await source();
      const dst = await destination();
      const a = await create('connection', { source: src.id, destination: dst.id });
      await api.delete(`/api/v1/source/${src.id}`);
      expect((await api.get(`/api/v1/connection/${a.id}`)).status).toBe(404);
      const b = await create('connection', { source: (await source()).id, destination: dst.id });
      await api.delete(`/api/v1/destination/${dst.id}`);
      expect((await api.get(`/api/v1/connection/${b.id}`)).status).toBe(404);
    });
  });

  describe('bad input: a 4xx naming the problem, never a 500', () => {
    /** [what, route, body, the field the error must name, status]. */
    const cases: [string, string, Record<string, unknown>, string, number][] = [
      ['no name', 'source', {}, 'name', 422],
      [
        'unknown verification type',
        'source',
        { name: 'x', verification: { type: 'carrier-pigeon' } },
        'verification',
        422,
      ],
      [
        'stripe with no secrets',
        'source',
        { name: 'x', verification: { type: 'stripe' } },
        'verification.secrets',
        422,
      ],
      ['verification with no type', 'source', { name: 'x', verification: {} }, 'verification.type', 422],
      ['a 1xx response status', 'source', { name: 'x', response: { status: 101 } }, 'response.status', 422],
      [
        'a bad response header name',
        'source',
        { name: 'x', response: { status: 200, headers: { 'a b': '1' } } },
        'response.headers',
        422,
      ],
      [
        'a response content type with CR LF',
        'source',
        { name: 'x', response: { status: 200, contentType: 'text/plain\r\nx-evil: 1' } },
        'response.contentType',
        422,
      ],
      [
        'a response header value with CR LF',
        'source',
        { name: 'x', response: { status: 200, headers: { 'x-a': 'a\r\nb: c' } } },
        'response.headers',
        422,
      ],
      [
        'dedup by header with no header',
        'source',
        { name: 'x', dedup: { by: 'header', windowSeconds: 5 } },
        'dedup.header',
        422,
      ],
      [
        'dedup by json-path with no path',
        'source',
        { name: 'x', dedup: { by: 'json-path', windowSeconds: 5 } },
        'dedup.path',
        422,
      ],
      ['dedup by something else', 'source', { name: 'x', dedup: { by: 'vibes', windowSeconds: 5 } }, 'dedup.by', 422],
      ['a uid shaped like a source id', 'source', { name: 'x', uid: 'src_abc' }, 'uid', 422],
      ['no url', 'destination', {}, 'url', 422],
      ['a URL that is not one', 'destination', { url: 'not a url' }, 'url', 422],
      ['a URL with another scheme', 'destination', { url: 'ftp://files.example.test/' }, 'url', 422],
      ['a private address', 'destination', { url: 'http://10.0.0.1/' }, 'url', 422],
      [
        'a secret that is not whsec_',
        'destination',
        { url: 'https://a.example.test', secret: 'hunter2' },
        'secret',
        422,
      ],
      [
        'a whsec_ secret that is not base64',
        'destination',
        { url: 'https://a.example.test', secret: 'whsec_!!!' },
        'secret',
        422,
      ],
      [
        'a negative retry delay',
        'destination',
        { url: 'https://a.example.test', retrySchedule: [0, -5] },
        'retrySchedule',
        422,
      ],
      [
        'a fractional retry delay',
        'destination',
        { url: 'https://a.example.test', retrySchedule: [1.5] },
        'retrySchedule',
        422,
      ],
      [
        '21 retry delays',
        'destination',
        { url: 'https://a.example.test', retrySchedule: Array(21).fill(1) },
        'retrySchedule',
        422,
      ],
      ['a zero timeout', 'destination', { url: 'https://a.example.test', timeoutMs: 0 }, 'timeoutMs', 422],
      [
        'a timeout over a minute',
        'destination',
        { url: 'https://a.example.test', timeoutMs: 60_001 },
        'timeoutMs',
        422,
      ],
      ['a zero throttle rate', 'destination', { url: 'https://a.example.test', throttleRate: 0 }, 'throttleRate', 422],
      [
        'a reserved header',
        'destination',
        { url: 'https://a.example.test', headers: { 'webhook-signature': 'x' } },
        'headers',
        422,
      ],
      [
        'a uid shaped like a destination id',
        'destination',
        { url: 'https://a.example.test', uid: 'dst_1' },
        'uid',
        422,
      ],
    ];

    it.each(cases)('%s → %s (%s)', async (_what, kind, body, field, status) => {
      const res = await api.post(`/api/v1/${kind}`, { body });
      expect(res.status, res.text).toBe(status);
      expect(res.body.code).toBe('validation');
      const locs = (res.body.detail as { loc: string[] }[]).map((d) => d.loc.join('.'));
      expect(
        locs.some((loc) => loc === `body.${field}` || loc.startsWith(`body.${field}.`)),
        res.text,
      ).toBe(true);
    });

    const connectionCases: [string, Record<string, unknown>, string][] = [
      ['a malformed filter (unknown operator)', { filter: { body: { amount: { $between: [1, 2] } } } }, 'filter'],
      ['a filter that is not an object', { filter: 'amount > 5' }, 'filter'],
      ['a transform with a syntax error', { transform: 'function transform(request) { return request' }, 'transform'],
      ['a transform that is not a string', { transform: 42 }, 'transform'],
    ];

    it.each(connectionCases)('connection: %s → 422 naming %s', async (_what, extra, field) => {
      const src = await source();
      const dst = await destination();
      const res = await api.post('/api/v1/connection', { body: { source: src.id, destination: dst.id, ...extra } });
      expect(res.status, res.text).toBe(422);
      const locs = (res.body.detail as { loc: string[] }[]).map((d) => d.loc.join('.'));
      expect(
        locs.some((loc) => loc === `body.${field}` || loc.startsWith(`body.${field}.`)),
        res.text,
      ).toBe(true);
      // A PATCH is checked as a creation is.
      const conn = await create('connection', { source: src.id, destination: dst.id });
      expect((await api.patch(`/api/v1/connection/${conn.id}`, { body: extra })).status).toBe(422);
    });

    it('checks a PATCH as a creation: verification, URL, secret', async () => {
      const src = await source();
      const bad = await api.patch(`/api/v1/source/${src.id}`, { body: { verification: { type: 'carrier-pigeon' } } });
      expect(bad.status).toBe(422);
      const dst = await destination();
      expect((await api.patch(`/api/v1/destination/${dst.id}`, { body: { url: 'nope' } })).status).toBe(422);
      expect((await api.patch(`/api/v1/destination/${dst.id}`, { body: { secret: 'nope' } })).status).toBe(422);
    });
  });

  describe('the edge: auth, idempotency, OpenAPI', () => {
    it('answers 401 without a token and 403 to an application token, on every receive route', async () => {
      await api.post('/api/v1/app', { body: { name: 'Tenant', uid: 'tenant' } });
      const appToken = (await api.post('/api/v1/auth/app-portal-access/tenant', { body: {} })).body.token;
      const src = await source();
      const routes: [string, string][] = [
        ['GET', '/api/v1/source'],
        ['POST', '/api/v1/source'],
        ['GET', `/api/v1/source/${src.id}`],
        ['PATCH', `/api/v1/source/${src.id}`],
        ['DELETE', `/api/v1/source/${src.id}`],
        ['GET', `/api/v1/source/${src.id}/request`],
        ['GET', '/api/v1/destination'],
        ['POST', '/api/v1/connection'],
        ['GET', '/api/v1/request/req_x'],
        ['GET', '/api/v1/event'],
        ['POST', '/api/v1/event/bulk-retry'],
        ['POST', '/api/v1/request/req_x/replay'],
        ['POST', '/api/v1/request/req_x/replay-to-url'],
        ['POST', '/api/v1/connection/check'],
      ];
      for (const [method, path] of routes) {
        const body = method === 'POST' || method === 'PATCH' ? { name: 'x' } : undefined;
        expect((await api.call(method, path, { body, token: null })).status, `${method} ${path}`).toBe(401);
        const forbidden = await api.call(method, path, { body, token: appToken });
        expect(forbidden.status, `${method} ${path}`).toBe(403);
        expect(forbidden.body.code).toBe('insufficient_access');
      }
      expect((await api.get(`/api/v1/source/${src.id}`)).status).toBe(200);
    });

    it('replays a POST with the same idempotency-key', async () => {
      const headers = { 'idempotency-key': 'create-source-once' };
      const first = await api.post('/api/v1/source', { body: { name: 'Once' }, headers });
      const again = await api.post('/api/v1/source', { body: { name: 'Once' }, headers });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
    });

    it('refuses a body that is not JSON (415)', async () => {
      const res = await api.post('/api/v1/source', { body: 'name=x', headers: { 'content-type': 'text/plain' } });
      expect(res.status).toBe(415);
    });

    it('documents every receive route in the OpenAPI document', async () => {
      const doc = (await api.get('/api/v1/openapi.json', { token: null })).body;
      const expected: [string, string][] = [
        ['/api/v1/source', 'get'],
        ['/api/v1/source', 'post'],
        ['/api/v1/source/{source_id}', 'get'],
        ['/api/v1/source/{source_id}', 'patch'],
        ['/api/v1/source/{source_id}', 'delete'],
        ['/api/v1/source/{source_id}/request', 'get'],
        ['/api/v1/destination', 'post'],
        ['/api/v1/destination/{destination_id}', 'patch'],
        ['/api/v1/connection', 'get'],
        ['/api/v1/connection/{connection_id}', 'delete'],
        ['/api/v1/request/{request_id}', 'get'],
        ['/api/v1/request/{request_id}/event', 'get'],
        ['/api/v1/request/{request_id}/replay', 'post'],
        ['/api/v1/event', 'get'],
        ['/api/v1/event/{event_id}', 'get'],
        ['/api/v1/event/{event_id}/attempt', 'get'],
        ['/api/v1/event/{event_id}/retry', 'post'],
        ['/api/v1/event/bulk-retry', 'post'],
      ];
      for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    });
  });
});
