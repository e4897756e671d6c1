import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const schemas = { '1': { type: 'object', properties: { id: { type: 'string' } }, examples: [{ id: 'inv_1' }] } };

describe('/api/v1/event-type', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
  });
  afterAll(() => server?.close());

  it('creates (201) and gets an event type', async () => {
    const res = await api.post('/api/v1/event-type', { body: { name: 'invoice.paid', description: 'Paid', schemas } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'invoice.paid',
      description: 'Paid',
      archived: false,
      deprecated: false,
      featureFlag: null,
      schemas,
    });
    expect((await api.get('/api/v1/event-type/invoice.paid')).body).toEqual(res.body);
  });

  it('answers 409 for an existing name, and unarchives an archived one', async () => {
    await api.post('/api/v1/event-type', { body: { name: 'dup.type', description: 'one' } });
    expect((await api.post('/api/v1/event-type', { body: { name: 'dup.type', description: 'two' } })).status).toBe(409);
    expect((await api.delete('/api/v1/event-type/dup.type')).status).toBe(204);
    expect((await api.get('/api/v1/event-type/dup.type')).body.archived).toBe(true);
    const revived = await api.post('/api/v1/event-type', { body: { name: 'dup.type', description: 'three' } });
    expect(revived.status).toBe(201);
    expect(revived.body).toMatchObject({ archived: false, description: 'three' });
  });

  it('lists without archived types by default, schemas only with_content=true', async () => {
    await api.post('/api/v1/event-type', { body: { name: 'list.a', description: '', schemas } });
    await api.post('/api/v1/event-type', { body: { name: 'list.b', description: '' } });
    await api.delete('/api/v1/event-type/list.b');
    const names = (res: { body: { data: { name: string }[] } }) => res.body.data.map((e) => e.name);
    const plain = await api.get('/api/v1/event-type?limit=250');
    expect(names(plain)).toContain('list.a');
    expect(names(plain)).not.toContain('list.b');
    expect(plain.body.data.find((e: { name: string }) => e.name === 'list.a').schemas).toBeNull();
    const all = await api.get('/api/v1/event-type?limit=250&include_archived=true&with_content=true');
    expect(names(all)).toContain('list.b');
    expect(all.body.data.find((e: { name: string }) => e.name === 'list.a').schemas).toEqual(schemas);
  });

  it('PUT creates (201) then replaces (200)', async () => {
    const created = await api.put('/api/v1/event-type/put.type', { body: { description: 'v1', deprecated: true } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'put.type', description: 'v1', deprecated: true });
    const replaced = await api.put('/api/v1/event-type/put.type', { body: { description: 'v2' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ description: 'v2', deprecated: false });
  });

  it('PATCH changes only the given fields; featureFlags maps to featureFlag', async () => {
    await api.post('/api/v1/event-type', { body: { name: 'patch.type', description: 'keep', schemas } });
    const res = await api.patch('/api/v1/event-type/patch.type', { body: { featureFlags: ['beta'] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ description: 'keep', featureFlag: 'beta', featureFlags: ['beta'], schemas });
    expect((await api.patch('/api/v1/event-type/nope.type', { body: {} })).status).toBe(404);
  });

  it('DELETE archives; expunge=true deletes', async () => {
    await api.post('/api/v1/event-type', { body: { name: 'gone.type', description: '' } });
    expect((await api.delete('/api/v1/event-type/gone.type?expunge=true')).status).toBe(204);
    expect((await api.get('/api/v1/event-type/gone.type')).status).toBe(404);
    expect((await api.delete('/api/v1/event-type/gone.type')).status).toBe(404);
  });

  it('rejects bad input with 422', async () => {
    const cases: [unknown, string][] = [
      [{ description: 'x' }, 'name'],
      [{ name: 'x' }, 'description'],
      [{ name: 'bad name', description: '' }, 'name'],
      [{ name: 'n'.repeat(257), description: '' }, 'name'],
      [{ name: 'ok', description: 5 }, 'description'],
      [{ name: 'ok', description: '', archived: 'yes' }, 'archived'],
      [{ name: 'ok', description: '', schemas: { '1': 'not an object' } }, 'schemas'],
      [{ name: 'ok', description: '', featureFlag: 'bad flag' }, 'featureFlag'],
    ];
    for (const [body, field] of cases) {
      const res = await api.post('/api/v1/event-type', { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.detail[0].loc[1]).toBe(field);
    }
    expect((await api.get('/api/v1/event-type/bad%20name')).status).toBe(422);
    expect((await api.put('/api/v1/event-type/x', { body: {} })).status).toBe(422);
    expect((await api.delete('/api/v1/event-type/x?expunge=perhaps')).status).toBe(422);
    expect((await api.get('/api/v1/event-type?limit=251')).status).toBe(422);
  });
});

describe('POST /api/v1/event-type/check (the dashboard editor)', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
  });
  afterAll(() => server?.close());

  it("gives the create route's verdict on schemas, in its words, saving nothing", async () => {
    const check = (body: unknown) => api.post('/api/v1/event-type/check', { body });
    expect((await check('{"schemas":{"1":{"examples":[1.0]}}}')).body).toEqual({ valid: true, detail: null });
    expect((await check({ schemas: null })).body).toEqual({ valid: true, detail: null });
    const notObject = await check({ schemas: { '1': 'x' } });
    expect(notObject.status).toBe(200);
    expect(notObject.body).toEqual({ valid: false, detail: 'schemas.1 must be object' });
    const create = await api.post('/api/v1/event-type', {
      body: { name: 'checked', description: '', schemas: { '1': 'x' } },
    });
    expect(create.status).toBe(422);
    expect(create.body.detail[0].msg).toBe(notObject.body.detail);
    expect((await check({ schemas: [] })).body.valid).toBe(false);
    const broken = await check('{"schemas":{"1":{');
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('invalid_json');
    const missing = await check({});
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('validation');
    expect((await api.get('/api/v1/event-type?include_archived=true')).body.data).toEqual([]);
  });

  it('is for admin tokens: 401 without one, 403 for an app-portal token', async () => {
    expect((await api.post('/api/v1/event-type/check', { body: { schemas: null }, token: null })).status).toBe(401);
    await api.post('/api/v1/app', { body: { name: 'c', uid: 'check-app' } });
    const { url } = (await api.post('/api/v1/auth/app-portal-access/check-app')).body as { url: string };
    const appToken = new URLSearchParams(new URL(url).hash.slice(1)).get('key')!;
    const res = await api.post('/api/v1/event-type/check', { body: { schemas: null }, token: appToken });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_access');
  });
});
