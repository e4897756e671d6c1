import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, ensureAdminToken, hashToken } from '../../src/http/api-tokens.js';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

describe('auth: generated admin token and app-scoped tokens', () => {
  let server: TestServer;
  let admin: ApiClient;
  let appA: { id: string; uid: string };
  let appB: { id: string; uid: string };
  let tokenA: string;
  let endpointB: string;
  let messageB: string;

  beforeAll(async () => {
    server = await startTestServer();
    admin = createApiClient(server.url, server.token);
    appA = (await admin.post('/api/v1/app', { body: { name: 'A', uid: 'tenant-a' } })).body;
    appB = (await admin.post('/api/v1/app', { body: { name: 'B', uid: 'tenant-b' } })).body;
    endpointB = (await admin.post('/api/v1/app/tenant-b/endpoint', { body: { url: 'https://b.example.com/hook' } }))
      .body.id;
    messageB = (await admin.post('/api/v1/app/tenant-b/msg', { body: { eventType: 'x.y', payload: { secret: 'b' } } }))
      .body.id;
    tokenA = (await admin.post('/api/v1/auth/app-portal-access/tenant-a', { body: {} })).body.token;
  });
  afterAll(() => server?.close());

  it('generates the admin token once and stores only its hash', async () => {
    expect(server.token).toMatch(/^sk_[0-9A-Za-z]{32}$/);
    expect(await server.store.auth.getSetting('admin_token_sha256')).toBe(hashToken(server.token));
    expect(await ensureAdminToken(server.store)).toBeNull();
  });

  it('answers 401 authentication_failed without a token, with a wrong token, or a malformed header', async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: 'Bearer sk_wrong' },
      { authorization: server.token },
      { authorization: 'Basic abc' },
    ];
    for (const headers of variants) {
      const res = await admin.get('/api/v1/app', { token: null, headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.body).toMatchObject({ code: 'authentication_failed' });
    }
  });

  it('answers 401 for an expired token', async () => {
    const now = Date.now();
    const expired = await createApiToken(server.store, { appId: null, expiresAt: now - 1, now: now - 1000 });
    expect((await admin.get('/api/v1/app', { token: expired })).status).toBe(401);
  });

  it('accepts admin tokens made by createApiToken (CLI `hookd token create`)', async () => {
    const token = await createApiToken(server.store, { appId: null, expiresAt: null, now: Date.now() });
    expect(token).toMatch(/^sk_/);
    expect((await admin.get('/api/v1/app', { token })).status).toBe(200);
  });

  it('portal access returns an appsk_ token and a portal URL', async () => {
    const res = await admin.post('/api/v1/auth/app-portal-access/tenant-a', { body: { expiry: 3600 } });
    expect(res.status).toBe(200);
    expect(res.body.token).toMatch(/^appsk_/);
    expect(res.body.url).toBe(`${server.config.publicUrl}/portal#key=${res.body.token}&app=${appA.id}`);
  });

  it('lets an app token use its own application, by id or uid', async () => {
    const asA = createApiClient(server.url, tokenA);
    expect((await asA.get(`/api/v1/app/${appA.id}`)).status).toBe(200);
    expect((await asA.get('/api/v1/app/tenant-a/endpoint')).status).toBe(200);
    const ep = await asA.post('/api/v1/app/tenant-a/endpoint', { body: { url: 'https://a.example.com/hook' } });
    expect(ep.status).toBe(201);
    const msg = await asA.post(`/api/v1/app/${appA.id}/msg`, { body: { eventType: 'x.y', payload: {} } });
    expect(msg.status).toBe(202);
    expect((await asA.get('/api/v1/event-type')).status).toBe(200);
  });

  it("never lets an app token read or change another tenant's data (403)", async () => {
    const asA = createApiClient(server.url, tokenA);
    const attempts = [
      asA.get(`/api/v1/app/${appB.id}`),
      asA.get('/api/v1/app/tenant-b'),
      asA.get('/api/v1/app/tenant-b/endpoint'),
      asA.get(`/api/v1/app/tenant-b/endpoint/${endpointB}/secret`),
      asA.get(`/api/v1/app/tenant-b/msg/${messageB}`),
      asA.get('/api/v1/app/tenant-b/msg'),
      asA.post('/api/v1/app/tenant-b/msg', { body: { eventType: 'x.y', payload: {} } }),
      asA.delete(`/api/v1/app/tenant-b/endpoint/${endpointB}`),
      asA.patch(`/api/v1/app/${appB.id}`, { body: { name: 'pwned' } }),
      asA.get('/api/v1/app/no-such-app'),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'insufficient_access' });
    }
    // Tenant B is untouched.
    expect((await admin.get(`/api/v1/app/tenant-b/endpoint/${endpointB}`)).status).toBe(200);
    expect((await admin.get('/api/v1/app/tenant-b')).body.name).toBe('B');
  });

  it('keeps app tokens out of admin routes', async () => {
    const asA = createApiClient(server.url, tokenA);
    expect((await asA.get('/api/v1/app')).status).toBe(403);
    expect((await asA.post('/api/v1/app', { body: { name: 'new' } })).status).toBe(403);
    expect((await asA.post('/api/v1/event-type', { body: { name: 'a.b', description: '' } })).status).toBe(403);
    expect((await asA.post('/api/v1/auth/app-portal-access/tenant-a', { body: {} })).status).toBe(403);
    expect((await asA.delete('/api/v1/app/tenant-a')).status).toBe(403);
    expect((await asA.put('/api/v1/app/tenant-a', { body: { name: 'x' } })).status).toBe(403);
  });

  it('portal access with `application` creates the app with the path as uid', async () => {
    const res = await admin.post('/api/v1/auth/app-portal-access/tenant-c', { body: { application: { name: 'C' } } });
    expect(res.status).toBe(200);
    expect((await admin.get('/api/v1/app/tenant-c')).body).toMatchObject({ name: 'C', uid: 'tenant-c' });
    const asC = createApiClient(server.url, res.body.token);
    expect((await asC.get('/api/v1/app/tenant-c')).status).toBe(200);
    expect((await asC.get('/api/v1/app/tenant-a')).status).toBe(403);
  });

  it('portal access: unknown app without `application` is 404, bad expiry is 422', async () => {
    expect((await admin.post('/api/v1/auth/app-portal-access/nobody', { body: {} })).status).toBe(404);
    const bad = await admin.post('/api/v1/auth/app-portal-access/tenant-a', { body: { expiry: 'soon' } });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0].loc).toEqual(['body', 'expiry']);
    expect((await admin.post('/api/v1/auth/app-portal-access/tenant-a', { body: { expiry: -5 } })).status).toBe(422);
  });

  it('portal access refuses readOnly (not supported yet) instead of minting a writer', async () => {
    const res = await admin.post('/api/v1/auth/app-portal-access/tenant-a', { body: { readOnly: true } });
    expect(res.status).toBe(422);
    expect(res.body.detail[0].loc).toEqual(['body', 'readOnly']);
    expect(res.body.detail[0].msg).toMatch(/read-only/);
  });
});

describe('auth: configured admin token', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ adminToken: 'configured-admin-token-0123456789' });
  });
  afterAll(() => server?.close());

  it('accepts the configured token and nothing else', async () => {
    const api = createApiClient(server.url, 'configured-admin-token-0123456789');
    expect((await api.get('/api/v1/app')).status).toBe(200);
    expect((await api.get('/api/v1/app', { token: 'configured-admin-token-012345678' })).status).toBe(401);
    expect((await api.get('/api/v1/app', { token: 'configured-admin-token-0123456789x' })).status).toBe(401);
    expect(await server.store.auth.getSetting('admin_token_sha256')).toBeNull();
  });
});
