import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

describe('HTTP edge: errors, body parsing, health, OpenAPI', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ maxPayloadBytes: 4096 });
    api = createApiClient(server.url, server.token);
  });
  afterAll(() => server?.close());

  it('answers GET and HEAD /api/v1/health with 204 and no token', async () => {
    expect((await api.get('/api/v1/health', { token: null })).status).toBe(204);
    expect((await api.head('/api/v1/health', { token: null })).status).toBe(204);
  });

  it('serves an OpenAPI 3 document generated from the routes, without a token', async () => {
    const res = await api.get('/api/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(res.body.paths);
    expect(paths).toContain('/api/v1/app/{app_id}/msg');
    expect(paths).toContain('/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate');
    // Nullable fields are written the OpenAPI 3.0 way.
    const post = res.body.paths['/api/v1/app/{app_id}/msg'].post;
    const ref: string = post.requestBody.content['application/json'].schema.$ref;
    const eventId = res.body.components.schemas[ref.replace('#/components/schemas/', '')].properties.eventId;
    expect(eventId).toMatchObject({ type: 'string', nullable: true });
  });

  it('answers an unknown route with 404 not_found', async () => {
    const res = await api.get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'not_found' });
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    for (const body of ['{"name":', '{name: 1}', 'nope', '[1,']) {
      const res = await api.post('/api/v1/app', { body });
      expect(res.status, body).toBe(400);
      expect(res.body).toEqual({ code: 'invalid_json', detail: expect.any(String) });
    }
  });

  it('takes __proto__ as an ordinary member name: no prototype is polluted, nothing is dropped', async () => {
    const res = await api.post('/api/v1/app', {
      body: '{"name":"x","metadata":{"__proto__":"a","constructor":"b","prototype":"c"},"__proto__":{"admin":true}}',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.text).toContain('"metadata":{"__proto__":"a","constructor":"b","prototype":"c"}');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('answers a body over maxPayloadBytes with 413 naming the limit', async () => {
    const res = await api.post('/api/v1/app', { body: { name: 'x'.repeat(5000) } });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ code: 'payload_too_large', detail: 'payload exceeds 4096 bytes' });
  });

  it('answers a non-JSON content type with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await api.post('/api/v1/app', { body: 'name=x', headers: { 'content-type': type } });
      expect(res.status, type).toBe(415);
      expect(res.body.code).toBe('unsupported_media_type');
    }
  });

  it('accepts Content-Type: application/json with an empty body on GET and DELETE', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await api.call('GET', '/api/v1/app', { headers: json })).status).toBe(200);
    const created = await api.post('/api/v1/app', { body: { name: 'to delete' } });
    expect((await api.call('DELETE', `/api/v1/app/${created.body.id}`, { headers: json })).status).toBe(204);
  });

  it('answers a missing body with a 422 in the HTTPValidationError shape', async () => {
    const res = await api.post('/api/v1/app');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      code: 'validation',
      detail: [{ loc: ['body'], msg: expect.any(String), type: expect.any(String) }],
    });
  });

  it('answers a too-long path parameter with a 4xx, not a 5xx', async () => {
    const res = await api.get(`/api/v1/app/${'a'.repeat(2000)}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('deeply nested JSON', () => {
  it('is refused with a 400 instead of overflowing the stack', async () => {
    const server = await startTestServer({ maxPayloadBytes: 1024 * 1024 });
    try {
      const api = createApiClient(server.url, server.token);
      await api.post('/api/v1/app', { body: { name: 'deep', uid: 'deep' } });
      for (const depth of [101, 10_000, 200_000]) {
        const body = `{"eventType":"a","payload":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
        const res = await api.post('/api/v1/app/deep/msg', { body });
        expect(res.status, String(depth)).toBe(400);
        expect(res.body).toEqual({ code: 'invalid_json', detail: 'JSON is nested deeper than 100 levels' });
      }
      const ok = `{"eventType":"a","payload":{"x":${'['.repeat(90)}${']'.repeat(90)}}}`;
      expect((await api.post('/api/v1/app/deep/msg', { body: ok })).status).toBe(202);
    } finally {
      await server.close();
    }
  });
});
