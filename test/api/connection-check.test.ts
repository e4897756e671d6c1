import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/**
 * `POST /api/v1/connection/check`: the dashboard's editors validate as the operator types with the
 * very checks (and words) of creating a connection, without saving one.
 */
describe('checking a filter and a transform without saving', () => {
  let server: TestServer;
  let api: ApiClient;
  let sourceId: string;
  let destinationId: string;

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
    sourceId = (await api.post('/api/v1/source', { body: { name: 'S' } })).body.id;
    destinationId = (await api.post('/api/v1/destination', { body: { url: 'https://svc.example.test/in' } })).body.id;
  });
  afterAll(() => server?.close());

  /** The 422 message that creating a connection with `fields` answers. */
  async function createError(fields: Record<string, unknown>): Promise<string> {
    const res = await api.post('/api/v1/connection', {
      body: { source: sourceId, destination: destinationId, ...fields },
    });
    expect(res.status, res.text).toBe(422);
    return res.body.detail[0].msg;
  }

  it('says valid for what creating a connection accepts, and checks only the fields given', async () => {
    const res = await api.post('/api/v1/connection/check', {
      body: { filter: { body: { type: { $eq: 'invoice.paid' } } }, transform: 'function transform(r) { return r; }' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ filter: { valid: true, detail: null }, transform: { valid: true, detail: null } });
    const onlyFilter = await api.post('/api/v1/connection/check', { body: { filter: { path: '/a' } } });
    expect(onlyFilter.body).toEqual({ filter: { valid: true, detail: null }, transform: null });
    // Nothing was saved.
    expect((await api.get('/api/v1/connection')).body.data).toEqual([]);
  });

  it("answers an invalid filter or transform with the create route's own words", async () => {
    const filter = { body: { amount: { $between: [1, 2] } } };
    const transform = 'function transform(request) { return request';
    const res = await api.post('/api/v1/connection/check', { body: { filter, transform } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.filter).toEqual({ valid: false, detail: await createError({ filter }) });
    expect(res.body.transform).toEqual({ valid: false, detail: await createError({ transform }) });
    expect(res.body.filter.detail).toContain('$between');
  });

  it('answers 422 for a body that is not a filter object or a transform string', async () => {
    for (const body of [{ filter: 'amount > 5' }, { transform: 42 }, []]) {
      const res = await api.post('/api/v1/connection/check', { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.code).toBe('validation');
    }
  });
});
