import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

describe('/api/v1/app/{app_id}/endpoint', () => {
  let server: TestServer;
  let api: ApiClient;
  let base: string;

  const create = async (body: Record<string, unknown> = {}) => {
    const res = await api.post(`${base}/endpoint`, { body: { url: 'https://example.com/hook', ...body } });
    expect(res.status, res.text).toBe(201);
    return res.body;
  };

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
    await api.post('/api/v1/app', { body: { name: 'Endpoints', uid: 'ep-app' } });
    base = '/api/v1/app/ep-app';
  });
  afterAll(() => server?.close());

  it('creates (201) an endpoint in the EndpointOut shape', async () => {
    const res = await api.post(`${base}/endpoint`, {
      body: {
        url: 'https://example.com/hook',
        uid: 'ep-one',
        description: 'first',
        eventTypes: ['invoice.paid'],
        channels: ['ch1'],
        metadata: { team: 'billing' },
        throttleRate: 20,
        unknown: true,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^ep_/),
      uid: 'ep-one',
      url: 'https://example.com/hook',
      description: 'first',
      disabled: false,
      eventTypes: ['invoice.paid'],
      channels: ['ch1'],
      metadata: { team: 'billing' },
      throttleRate: 20,
      maxConcurrency: null,
      ordered: false,
      // hookd's extension.
      circuitState: 'closed',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('accepts the older names filterTypes and rateLimit', async () => {
    const ep = await create({ filterTypes: ['a.b'], rateLimit: 3 });
    expect(ep).toMatchObject({ eventTypes: ['a.b'], throttleRate: 3 });
  });

  it('takes the hookd extensions maxConcurrency and ordered; PATCH keeps them, PUT resets them', async () => {
    const ep = await create({ maxConcurrency: 4, ordered: true });
    expect(ep).toMatchObject({ maxConcurrency: 4, ordered: true });
    const patched = await api.patch(`${base}/endpoint/${ep.id}`, { body: { description: 'x' } });
    expect(patched.body).toMatchObject({ maxConcurrency: 4, ordered: true, description: 'x' });
    const cleared = await api.patch(`${base}/endpoint/${ep.id}`, { body: { maxConcurrency: null, ordered: false } });
    expect(cleared.body).toMatchObject({ maxConcurrency: null, ordered: false });
    await api.patch(`${base}/endpoint/${ep.id}`, { body: { maxConcurrency: 2, ordered: true } });
    const put = await api.put(`${base}/endpoint/${ep.id}`, { body: { url: 'https://example.com/hook' } });
    expect(put.body).toMatchObject({ maxConcurrency: null, ordered: false });
  });

  it('generates a whsec_ secret when none is given, and keeps a given one', async () => {
    const generated = await create();
    const key = (await api.get(`${base}/endpoint/${generated.id}/secret`)).body.key;
    expect(key).toMatch(/^whsec_[A-Za-z0-9+/=]{32,}$/);
    const given = await create({ secret: SECRET });
    expect((await api.get(`${base}/endpoint/${given.id}/secret`)).body).toEqual({ key: SECRET });
  });

  it('gets by id and uid; 404 for unknown endpoint or app', async () => {
    const ep = await create({ uid: 'by-uid' });
    expect((await api.get(`${base}/endpoint/${ep.id}`)).body).toEqual(ep);
    expect((await api.get(`${base}/endpoint/by-uid`)).body).toEqual(ep);
    const missing = await api.get(`${base}/endpoint/ep_missing`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: 'not_found', detail: 'endpoint not found' });
    expect((await api.get('/api/v1/app/no-app/endpoint')).status).toBe(404);
    expect((await api.post('/api/v1/app/no-app/endpoint', { body: { url: 'https://example.com' } })).status).toBe(404);
  });

  it('lists endpoints with paging', async () => {
    const res = await api.get(`${base}/endpoint?limit=2`);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(2);
    expect(res.body.done).toBe(false);
    const next = await api.get(`${base}/endpoint?limit=250&iterator=${res.body.iterator}`);
    expect(next.body.data.length).toBeGreaterThan(0);
    expect(next.body.data[0].id).not.toBe(res.body.data[1].id);
  });

  it('PUT creates (201, path as uid) then replaces (200), keeping secret and headers', async () => {
    const created = await api.put(`${base}/endpoint/put-ep`, {
      body: { url: 'https://example.com/a', description: 'd', channels: ['c'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ uid: 'put-ep', url: 'https://example.com/a', channels: ['c'] });
    const secret = (await api.get(`${base}/endpoint/put-ep/secret`)).body.key;
    await api.put(`${base}/endpoint/put-ep/headers`, { body: { headers: { 'X-Team': 'a' } } });
    const replaced = await api.put(`${base}/endpoint/put-ep`, { body: { url: 'https://example.com/b' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      id: created.body.id,
      uid: 'put-ep',
      url: 'https://example.com/b',
      description: '',
      channels: null,
    });
    expect((await api.get(`${base}/endpoint/put-ep/secret`)).body.key).toBe(secret);
    expect((await api.get(`${base}/endpoint/put-ep/headers`)).body.headers).toEqual({ 'X-Team': 'a' });
    expect((await api.put(`${base}/endpoint/ep_unknown`, { body: { url: 'https://example.com' } })).status).toBe(404);
  });

  it('PATCH changes only the given fields; null clears filters', async () => {
    const ep = await create({ eventTypes: ['a'], channels: ['c'], description: 'keep' });
    const res = await api.patch(`${base}/endpoint/${ep.id}`, { body: { disabled: true, eventTypes: null } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      disabled: true,
      eventTypes: null,
      channels: ['c'],
      description: 'keep',
      url: ep.url,
    });
    expect((await api.patch(`${base}/endpoint/${ep.id}`, { body: { url: 'http://169.254.169.254/' } })).status).toBe(
      422,
    );
    expect((await api.patch(`${base}/endpoint/ep_nope`, { body: {} })).status).toBe(404);
  });

  it('DELETE answers 204, then 404', async () => {
    const ep = await create();
    expect((await api.delete(`${base}/endpoint/${ep.id}`)).status).toBe(204);
    expect((await api.get(`${base}/endpoint/${ep.id}`)).status).toBe(404);
    expect((await api.delete(`${base}/endpoint/${ep.id}`)).status).toBe(404);
  });

  it('refuses private, loopback, link-local and metadata addresses (422 naming the problem)', async () => {
    const urls = [
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://0x7f000001/',
      'http://127.0.0.1:8080/',
      'http://192.168.1.1/',
    ];
    for (const url of urls) {
      const res = await api.post(`${base}/endpoint`, { body: { url } });
      expect(res.status, url).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['body', 'url']);
      expect(res.body.detail[0].msg, url).toMatch(/private or reserved address/);
    }
  });

  it('refuses URLs that are not http(s) URLs', async () => {
    for (const url of ['not a url', 'ftp://example.com/x', 'file:///etc/passwd', '', 'javascript:alert(1)']) {
      const res = await api.post(`${base}/endpoint`, { body: { url } });
      expect(res.status, url).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['body', 'url']);
    }
  });

  it('refuses bad secrets and other bad fields with 422', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ secret: 'whsec_short' }, 'secret'],
      [{ secret: `whsec_${'A'.repeat(31)}` }, 'secret'],
      [{ secret: `whsec_!!!!${'A'.repeat(40)}` }, 'secret'],
      [{ secret: 12345 }, 'secret'],
      [{ eventTypes: [] }, 'eventTypes'],
      [{ eventTypes: ['a', 'a'] }, 'eventTypes'],
      [{ eventTypes: 'a' }, 'eventTypes'],
      [{ channels: Array.from({ length: 11 }, (_, i) => `c${i}`) }, 'channels'],
      [{ uid: 'ep_reserved' }, 'uid'],
      [{ throttleRate: -1 }, 'throttleRate'],
      [{ disabled: 'no' }, 'disabled'],
      [{ maxConcurrency: 0 }, 'maxConcurrency'],
      [{ maxConcurrency: 1.5 }, 'maxConcurrency'],
      [{ ordered: 'yes' }, 'ordered'],
      [{ headers: { 'webhook-signature': 'x' } }, 'headers'],
    ];
    for (const [body, field] of cases) {
      const res = await api.post(`${base}/endpoint`, { body: { url: 'https://example.com', ...body } });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.detail[0].loc[1], JSON.stringify(body)).toBe(field);
    }
    expect((await api.post(`${base}/endpoint`, { body: { description: 'no url' } })).status).toBe(422);
    expect((await api.get(`${base}/endpoint?limit=251`)).status).toBe(422);
  });

  it('answers 409 for a taken uid', async () => {
    await create({ uid: 'taken' });
    expect((await api.post(`${base}/endpoint`, { body: { url: 'https://example.com', uid: 'taken' } })).status).toBe(
      409,
    );
  });
});

describe('endpoint URLs with HOOKD_ALLOWED_NETWORKS', () => {
  it('accepts private addresses inside an allowed network only', async () => {
    const server = await startTestServer({ allowedNetworks: ['10.0.0.0/8', '::1/128'] });
    try {
      const api = createApiClient(server.url, server.token);
      await api.post('/api/v1/app', { body: { name: 'n', uid: 'n' } });
      expect((await api.post('/api/v1/app/n/endpoint', { body: { url: 'http://10.0.0.1/hook' } })).status).toBe(201);
      expect((await api.post('/api/v1/app/n/endpoint', { body: { url: 'http://[::1]:9000/hook' } })).status).toBe(201);
      expect((await api.post('/api/v1/app/n/endpoint', { body: { url: 'http://169.254.169.254/' } })).status).toBe(422);
    } finally {
      await server.close();
    }
  });
});
