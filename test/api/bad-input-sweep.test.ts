import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/**
 * Sends malformed input to every route of the OpenAPI document (real and unknown ids, garbage
 * bodies and query strings) and checks that none of it gets a 5xx, and every error has a JSON body.
 */
describe('bad input on every route never gets a 5xx', () => {
  let server: TestServer;
  let api: ApiClient;
  let routes: { method: string; path: string }[];
  const ids: Record<string, string[]> = {};

  beforeAll(async () => {
    server = await startTestServer({ maxPayloadBytes: 2048 });
    api = createApiClient(server.url, server.token);
    const app = (await api.post('/api/v1/app', { body: { name: 'Sweep', uid: 'sweep' } })).body;
    const ep = (await api.post('/api/v1/app/sweep/endpoint', { body: { url: 'https://example.com/' } })).body;
    const msg = (await api.post('/api/v1/app/sweep/msg', { body: { eventType: 'a.b', payload: {} } })).body;
    await api.post('/api/v1/event-type', { body: { name: 'a.b', description: '' } });
    ids.app_id = [app.id, 'sweep', 'unknown-app', 'app_0000000000000000000000000'];
    ids.endpoint_id = [ep.id, 'unknown-ep', 'ep_0000000000000000000000000'];
    ids.msg_id = [msg.id, 'msg_0000000000000000000000000'];
    ids.attempt_id = ['atmpt_0000000000000000000000000'];
    ids.event_type_name = ['a.b', 'unknown.type'];
    const doc = (await api.get('/api/v1/openapi.json', { token: null })).body;
    routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
    );
    // Deletions last, so that the other routes meet existing records.
    routes.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
  });
  afterAll(() => server?.close());

  const bodies = [
    '{}',
    '[]',
    'null',
    '"text"',
    '42',
    'true',
    '{"a":',
    '{"url":5,"name":[],"payload":"x","eventType":{},"since":"x","headers":[]}',
    '{"key":null,"gracePeriodSeconds":1e30}',
    `{"name":"${'x'.repeat(3000)}"}`,
  ];
  const queries = [
    '',
    '?limit=-1',
    '?limit=1e9',
    '?iterator=%00%FF',
    '?before=x&after=y',
    '?status=abc',
    '?event_types=,,,',
    '?with_content=x&expunge=x&get_if_exists=x',
    '?since=x&until=y',
    '?endpoint_id=%20',
  ];

  const fill = (path: string, pick: number) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const options = ids[name] ?? ['x'];
      return encodeURIComponent(options[pick % options.length]);
    });

  it('covers the documented routes', () => {
    expect(routes.length).toBeGreaterThanOrEqual(35);
  });

  it('answers every combination with < 500 and a JSON error body', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      for (let pick = 0; pick < 4; pick++) {
        const path = fill(route.path, pick);
        for (const [i, body] of bodies.entries()) {
          const query = queries[(i + pick) % queries.length];
          const res = await api.call(
            route.method,
            path + query,
            route.method === 'GET' || route.method === 'HEAD' ? {} : { body },
          );
          const label = `${route.method} ${path}${query} ${body.slice(0, 40)} → ${res.status}`;
          if (res.status >= 500) failures.push(label);
          if (
            res.status >= 400 &&
            route.method !== 'HEAD' &&
            (typeof res.body !== 'object' || res.body === null || !('detail' in res.body))
          ) {
            failures.push(`${label} (body ${res.text.slice(0, 80)})`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
