import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

describe('/api/v1/app', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
  });
  afterAll(() => server?.close());

  it('creates (201) an application in the ApplicationOut shape, ignoring unknown fields', async () => {
    const res = await api.post('/api/v1/app', {
      body: { name: 'Acme', uid: 'acme', metadata: { plan: 'pro' }, throttleRate: 10, unknownField: 1 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^app_/),
      uid: 'acme',
      name: 'Acme',
      metadata: { plan: 'pro' },
      throttleRate: 10,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updatedAt: expect.any(String),
    });
  });

  it('answers 409 for a taken uid, and returns the existing app (200) with get_if_exists', async () => {
    const original = await api.post('/api/v1/app', { body: { name: 'Dup', uid: 'dup' } });
    const conflict = await api.post('/api/v1/app', { body: { name: 'Dup 2', uid: 'dup' } });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('conflict');
    const existing = await api.post('/api/v1/app?get_if_exists=true', { body: { name: 'Dup 3', uid: 'dup' } });
    expect(existing.status).toBe(200);
    expect(existing.body.id).toBe(original.body.id);
    expect(existing.body.name).toBe('Dup');
  });

  it('gets an application by id and by uid; 404 for unknown refs', async () => {
    const created = (await api.post('/api/v1/app', { body: { name: 'Get', uid: 'get-me' } })).body;
    expect((await api.get(`/api/v1/app/${created.id}`)).body).toEqual(created);
    expect((await api.get('/api/v1/app/get-me')).body).toEqual(created);
    const missing = await api.get('/api/v1/app/app_doesnotexist');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: 'not_found', detail: 'application not found' });
  });

  it('PUT creates (201, path as uid) then updates (200)', async () => {
    const created = await api.put('/api/v1/app/put-app', { body: { name: 'Put 1' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ uid: 'put-app', name: 'Put 1' });
    const updated = await api.put('/api/v1/app/put-app', { body: { name: 'Put 2', metadata: { a: 'b' } } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: created.body.id, uid: 'put-app', name: 'Put 2', metadata: { a: 'b' } });
    expect((await api.put('/api/v1/app/app_unknownid', { body: { name: 'x' } })).status).toBe(404);
  });

  it('PATCH changes only the given fields; null clears throttleRate', async () => {
    const app = (
      await api.post('/api/v1/app', { body: { name: 'Patch', uid: 'patch-me', throttleRate: 5, metadata: { k: 'v' } } })
    ).body;
    const res = await api.patch('/api/v1/app/patch-me', { body: { name: 'Patched' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: app.id,
      name: 'Patched',
      uid: 'patch-me',
      throttleRate: 5,
      metadata: { k: 'v' },
    });
    const cleared = await api.patch(`/api/v1/app/${app.id}`, { body: { throttleRate: null, uid: null } });
    expect(cleared.body).toMatchObject({ throttleRate: null, uid: null, name: 'Patched' });
    expect((await api.patch('/api/v1/app/nope', { body: { name: 'x' } })).status).toBe(404);
  });

  it('DELETE answers 204, then the app is gone (404)', async () => {
    const app = (await api.post('/api/v1/app', { body: { name: 'Del' } })).body;
    expect((await api.delete(`/api/v1/app/${app.id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/app/${app.id}`)).status).toBe(404);
    expect((await api.delete(`/api/v1/app/${app.id}`)).status).toBe(404);
  });

  it('lists with limit and iterator', async () => {
    const fresh = await startTestServer();
    try {
      const client = createApiClient(fresh.url, fresh.token);
      for (let i = 0; i < 5; i++) await client.post('/api/v1/app', { body: { name: `L${i}` } });
      const first = await client.get('/api/v1/app?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.data.map((a: { name: string }) => a.name)).toEqual(['L0', 'L1']);
      expect(first.body.done).toBe(false);
      const second = await client.get(`/api/v1/app?limit=2&iterator=${first.body.iterator}`);
      expect(second.body.data.map((a: { name: string }) => a.name)).toEqual(['L2', 'L3']);
      const desc = await client.get('/api/v1/app?limit=1&order=descending');
      expect(desc.body.data[0].name).toBe('L4');
    } finally {
      await fresh.close();
    }
  });

  it('rejects bad input with 422 naming the field', async () => {
    const cases: [unknown, string[]][] = [
      [{}, ['body', 'name']],
      [{ name: 1 }, ['body', 'name']],
      [{ name: '' }, ['body', 'name']],
      [{ name: 'x', uid: 'has space' }, ['body', 'uid']],
      [{ name: 'x', uid: 'u'.repeat(257) }, ['body', 'uid']],
      [{ name: 'x', uid: 'app_lookslikeanid' }, ['body', 'uid']],
      [{ name: 'x', throttleRate: '5' }, ['body', 'throttleRate']],
      [{ name: 'x', throttleRate: 0 }, ['body', 'throttleRate']],
      [{ name: 'x', metadata: { a: 1 } }, ['body', 'metadata', 'a']],
      [{ name: 'x', metadata: 'no' }, ['body', 'metadata']],
    ];
    for (const [body, loc] of cases) {
      const res = await api.post('/api/v1/app', { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.detail[0].loc, JSON.stringify(body)).toEqual(loc);
      expect(res.body.detail[0].msg).toEqual(expect.any(String));
    }
    expect((await api.put('/api/v1/app/x', { body: { name: 5 } })).status).toBe(422);
    expect((await api.patch('/api/v1/app/acme', { body: { metadata: [] } })).status).toBe(422);
    expect((await api.get('/api/v1/app/bad%20ref')).status).toBe(422);
  });

  it('rejects bad list queries with 422', async () => {
    for (const query of ['limit=251', 'limit=-1', 'limit=abc', 'order=sideways']) {
      const res = await api.get(`/api/v1/app?${query}`);
      expect(res.status, query).toBe(422);
      expect(res.body.detail[0].loc[0]).toBe('query');
    }
    expect((await api.get('/api/v1/app?limit=250')).status).toBe(200);
  });

  it('answers get_if_exists with a non-boolean as 422', async () => {
    expect((await api.post('/api/v1/app?get_if_exists=maybe', { body: { name: 'x' } })).status).toBe(422);
  });
});
