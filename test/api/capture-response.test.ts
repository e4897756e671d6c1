import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/** A capture URL's configurable answer through the real ingest face: status, body, delay, CORS. */
describe('capture URL response settings', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
  });
  afterAll(() => server?.close());

  it('answers after the delay, with CORS headers and preflights, once the request is stored', async () => {
    const created = await api.post('/api/v1/source', { body: { name: 'capture' } });
    expect(created.body.response).toMatchObject({ status: 200, delayMs: 0, cors: false });
    const patched = await api.patch(`/api/v1/source/${created.body.id}`, {
      body: { response: { status: 201, body: 'made', contentType: 'text/plain', delayMs: 400, cors: true } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.response).toMatchObject({ delayMs: 400, cors: true });

    const started = Date.now();
    const answer = await request(`${server.url}/in/${created.body.id}/x`, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:9', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await answer.body.text()).toBe('made');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(answer.statusCode).toBe(201);
    expect(answer.headers['access-control-allow-origin']).toBe('http://127.0.0.1:9');

    const preflight = await request(`${server.url}/in/${created.body.id}/x`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:9', 'access-control-request-method': 'PUT' },
    });
    await preflight.body.dump();
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('PUT');
    const stored = await api.get(`/api/v1/source/${created.body.id}/request`);
    expect(stored.body.data.map((r: { method: string }) => r.method).sort()).toEqual(['OPTIONS', 'POST']);
  });

  it('refuses a delay over 10 s with a 422 naming it', async () => {
    const created = await api.post('/api/v1/source', { body: { name: 'slow' } });
    const refused = await api.patch(`/api/v1/source/${created.body.id}`, {
      body: { response: { status: 200, delayMs: 10_001 } },
    });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('delayMs');
  });
});
