import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { recordAttempts } from '../helpers/attempts.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/** The cases of issue 8's kind 4: where hookd's answers follow Svix's documents. */
describe("Svix's semantics: filters, disabled endpoints, logout, health", () => {
  let server: TestServer;
  let api: ApiClient;
  const base = '/api/v1/app/sem';
  let ep: string;
  let m1: string;
  let m2: string;
  let m3: string;

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
    await api.post('/api/v1/app', { body: { name: 'Semantics', uid: 'sem' } });
    ep = (await api.post(`${base}/endpoint`, { body: { url: 'https://one.example.com/' } })).body.id;
    const send = async (body: object) => (await api.post(`${base}/msg`, { body })).body.id as string;
    m1 = await send({ eventType: 'a.b', payload: { n: 1 }, channels: ['c1'] });
    m2 = await send({ eventType: 'x.y', payload: { n: 2 } });
    // m1 and m2: a 503, then a 200. m3: no response at all (status code 0), then given up.
    await recordAttempts(server.store, {
      status: 'fail',
      responseStatusCode: 503,
      deliveryStatus: 'pending',
      nextAttemptAt: Date.now() - 1,
    });
    await recordAttempts(server.store, { status: 'success', responseStatusCode: 200 });
    m3 = await send({ eventType: 'a.b', payload: { n: 3 } });
    await recordAttempts(server.store, { status: 'fail', responseStatusCode: 0, deliveryStatus: 'fail' });
  });
  afterAll(() => server?.close());

  const attemptsOf = async (path: string) => {
    const res = await api.get(path);
    expect(res.status, path).toBe(200);
    return res.body.data as { msgId: string; responseStatusCode: number; msg?: { id: string; payload: object } }[];
  };

  describe('the attempt lists honour every filter Svix documents', () => {
    it('status_code_class: 0 (no response) and each hundred', async () => {
      const byClass = async (c: number) =>
        (await attemptsOf(`${base}/attempt/endpoint/${ep}?status_code_class=${c}`)).map((a) => a.responseStatusCode);
      expect(await byClass(500)).toEqual([503, 503]);
      expect(await byClass(200)).toEqual([200, 200]);
      expect(await byClass(0)).toEqual([0]);
      expect(await byClass(400)).toEqual([]);
      expect((await api.get(`${base}/attempt/endpoint/${ep}?status_code_class=250`)).status).toBe(422);
      expect(
        (await attemptsOf(`${base}/attempt/msg/${m1}?status_code_class=200`)).map((a) => a.responseStatusCode),
      ).toEqual([200]);
    });

    it('channel and event_types select by the message; an unknown one is an empty list', async () => {
      const msgIds = async (query: string) =>
        [...new Set((await attemptsOf(`${base}/attempt/endpoint/${ep}?${query}`)).map((a) => a.msgId))].sort();
      expect(await msgIds('channel=c1')).toEqual([m1]);
      expect(await msgIds('channel=nope')).toEqual([]);
      expect(await msgIds('event_types=x.y')).toEqual([m2]);
      expect(await msgIds('event_types=a.b')).toEqual([m1, m3].sort());
      expect(await msgIds('event_types=x.y,a.b&channel=c1')).toEqual([m1]);
      expect(await attemptsOf(`${base}/attempt/msg/${m1}?channel=nope`)).toEqual([]);
      expect(await attemptsOf(`${base}/attempt/msg/${m2}?event_types=a.b`)).toEqual([]);
      expect(await attemptsOf(`${base}/attempt/msg/${m2}?event_types=x.y`)).toHaveLength(2);
    });

    it('with_msg adds each attempt its message, without the payload', async () => {
      const withMsg = await attemptsOf(`${base}/attempt/endpoint/${ep}?with_msg=true`);
      expect(withMsg).toHaveLength(5);
      for (const a of withMsg) expect(a.msg).toMatchObject({ id: a.msgId, payload: {} });
      expect((await attemptsOf(`${base}/attempt/endpoint/${ep}`)).every((a) => a.msg === undefined)).toBe(true);
    });

    it('tag matches nothing (hookd stores no message tags) on every list that takes it', async () => {
      for (const path of [
        `${base}/attempt/endpoint/${ep}`,
        `${base}/attempt/msg/${m1}`,
        `${base}/endpoint/${ep}/msg`,
        `${base}/msg`,
      ]) {
        const res = await api.get(`${path}?tag=billing`);
        expect(res.status, path).toBe(200);
        expect(res.body, path).toEqual({ data: [], iterator: null, prevIterator: null, done: true });
      }
    });

    it('limit=0 is an empty page whose done says whether rows exist', async () => {
      const full = await api.get(`${base}/attempt/endpoint/${ep}?limit=0`);
      expect(full.status).toBe(200);
      expect(full.body).toMatchObject({ data: [], done: false });
      const none = await api.get(`${base}/attempt/endpoint/${ep}?limit=0&channel=nope`);
      expect(none.body).toMatchObject({ data: [], done: true });
      for (const path of ['/api/v1/app', '/api/v1/event-type', `${base}/msg`, `${base}/endpoint`]) {
        const res = await api.get(`${path}?limit=0`);
        expect(res.status, path).toBe(200);
        expect(res.body.data, path).toEqual([]);
      }
      expect((await api.get(`${base}/msg?limit=-1`)).status).toBe(422);
    });
  });

  describe('a disabled or deleted endpoint is never sent to', () => {
    const stats = async (id: string) => (await api.get(`${base}/endpoint/${id}/stats`)).body;

    /** Claims every due delivery (as an engine would) and returns the messages due to `endpointId`. */
    const claimDue = async (endpointId: string) => {
      const claimed = await server.store.queue.claim('wrk_check', 1000, 60_000, Date.now());
      return claimed.flatMap((c) => (c.kind === 'message' && c.endpoint.id === endpointId ? [c.message.id] : []));
    };

    it('send-example answers 200 with the message and records its delivery canceled', async () => {
      await api.post('/api/v1/event-type', { body: { name: 'sem.example', description: '' } });
      const off = (await api.post(`${base}/endpoint`, { body: { url: 'https://off.example.com/', disabled: true } }))
        .body.id;
      const res = await api.post(`${base}/endpoint/${off}/send-example`, { body: { eventType: 'sem.example' } });
      expect(res.status).toBe(200);
      expect(res.body.id).toMatch(/^msg_/);
      expect(await stats(off)).toMatchObject({ pending: 0, sending: 0, canceled: 1 });
      const listed = await api.get(`${base}/endpoint/${off}/msg?expanded_statuses=true`);
      expect(listed.body.data.map((m: { id: string; status: number }) => [m.id, m.status])).toEqual([[res.body.id, 4]]);
      // Nothing was queued: a claim finds no delivery for it.
      expect(await claimDue(off)).toEqual([]);
    });

    it('resend answers 202 and records a canceled delivery; recover and replay-missing send nothing', async () => {
      // The range of recover and replay-missing: this test's messages only.
      const since = new Date(Date.now() - 1).toISOString();
      const off = (await api.post(`${base}/endpoint`, { body: { url: 'https://off2.example.com/' } })).body.id;
      const msg = (await api.post(`${base}/msg`, { body: { eventType: 'a.b', payload: {} } })).body.id;
      await recordAttempts(server.store, { status: 'fail', deliveryStatus: 'fail' });
      await api.patch(`${base}/endpoint/${off}`, { body: { disabled: true } });
      const later = (await api.post(`${base}/msg`, { body: { eventType: 'a.b', payload: {} } })).body.id;
      expect(await stats(off)).toMatchObject({ fail: 1, pending: 0 });

      expect((await api.post(`${base}/msg/${msg}/endpoint/${off}/resend`)).status).toBe(202);
      expect(await stats(off)).toMatchObject({ fail: 1, pending: 0, canceled: 1 });
      expect((await api.post(`${base}/endpoint/${off}/recover`, { body: { since } })).status).toBe(202);
      expect((await api.post(`${base}/endpoint/${off}/replay-missing`, { body: { since } })).status).toBe(202);
      expect(await stats(off)).toMatchObject({ fail: 1, pending: 0, canceled: 1 });
      expect(await claimDue(off)).toEqual([]);

      // Enabled again: recover sends the failed and the canceled, replay-missing the one it never had.
      await api.patch(`${base}/endpoint/${off}`, { body: { disabled: false } });
      await api.post(`${base}/endpoint/${off}/recover`, { body: { since } });
      await api.post(`${base}/endpoint/${off}/replay-missing`, { body: { since } });
      expect(await stats(off)).toMatchObject({ fail: 0, pending: 3, canceled: 0 });
      expect((await claimDue(off)).sort()).toEqual([msg, msg, later].sort());
    });

    it('a deleted endpoint is a 404 on every path that would create a delivery', async () => {
      const gone = (await api.post(`${base}/endpoint`, { body: { url: 'https://gone.example.com/' } })).body.id;
      await api.delete(`${base}/endpoint/${gone}`);
      const since = new Date(0).toISOString();
      for (const [path, body] of [
        [`${base}/msg/${m1}/endpoint/${gone}/resend`, undefined],
        [`${base}/endpoint/${gone}/send-example`, { eventType: 'sem.example' }],
        [`${base}/endpoint/${gone}/recover`, { since }],
        [`${base}/endpoint/${gone}/replay-missing`, { since }],
      ] as const) {
        const res = await api.post(path, { body });
        expect(res.status, path).toBe(404);
        expect(res.body.code).toBe('not_found');
      }
    });
  });

  describe('logout and health', () => {
    it('POST /api/v1/auth/logout revokes the calling app-portal token: 204, then 401', async () => {
      const { token } = (await api.post('/api/v1/auth/app-portal-access/sem', { body: {} })).body;
      const portal = createApiClient(server.url, token);
      expect((await portal.get(`${base}/endpoint`)).status).toBe(200);
      const out = await portal.post('/api/v1/auth/logout');
      expect(out.status).toBe(204);
      expect(out.text).toBe('');
      expect((await portal.get(`${base}/endpoint`)).status).toBe(401);
      expect((await portal.post('/api/v1/auth/logout')).status).toBe(401);
      // Another portal token of the same application is untouched.
      const other = (await api.post('/api/v1/auth/app-portal-access/sem', { body: {} })).body.token;
      expect((await createApiClient(server.url, other).get(`${base}/endpoint`)).status).toBe(200);
    });

    it('an admin token cannot log out (403), and no token is a 401', async () => {
      const res = await api.post('/api/v1/auth/logout');
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('insufficient_access');
      expect((await api.get('/api/v1/app')).status).toBe(200);
      expect((await api.post('/api/v1/auth/logout', { token: null })).status).toBe(401);
    });

    it('GET and HEAD /api/v1/health/ping answer 204 without a token', async () => {
      for (const method of ['GET', 'HEAD'] as const) {
        for (const path of ['/api/v1/health/ping', '/api/v1/health']) {
          const res = await api.call(method, path, { token: null });
          expect(res.status, `${method} ${path}`).toBe(204);
        }
      }
    });
  });
});
