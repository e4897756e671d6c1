import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient, type ApiResponse } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/**
 * Parts of a URL the sender would not send as written (hookd issue 8, kind 2) are refused with a
 * 422 that says what to do instead, wherever a URL is set: endpoint create, PUT and PATCH, and
 * destination create and PATCH. Nothing is stored, so nothing (a password) is ever shown.
 */
/** URL, then the problem named for an endpoint and for a destination (EndpointIn's `format: uri` catches some first). */
const REFUSED: [url: string, endpointProblem: RegExp, destinationProblem: RegExp][] = [
  ['https://u:p@example.com/hook', /user name or password.*Authorization header/, /user name or password/],
  ['https://u@example.com/hook', /user name or password/, /user name or password/],
  ['https://example.com/hook#x', /fragment/, /fragment/],
  ['https://example.com/ho\tok', /format "uri"/, /spaces or control characters/],
  ['https://example.com\\@evil.example/', /format "uri"/, /backslash/],
];

describe('URL parts that are never sent', () => {
  let server: TestServer;
  let api: ApiClient;
  const base = '/api/v1/app/url-parts';

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
    expect((await api.post('/api/v1/app', { body: { name: 'URL parts', uid: 'url-parts' } })).status).toBe(201);
  });
  afterAll(() => server?.close());

  /** A 422 `{code: 'validation', detail: [{loc: ['body', 'url'], msg}]}` matching `problem`. */
  function expectRefused(
    res: ApiResponse<{ code: string; detail: { loc: string[]; msg: string }[] }>,
    problem: RegExp,
  ) {
    expect(res.status, res.text).toBe(422);
    expect(res.body.code).toBe('validation');
    expect(res.body.detail[0].loc).toEqual(['body', 'url']);
    expect(res.body.detail[0].msg).toMatch(problem);
  }

  it.each(REFUSED)('endpoint create, PUT and PATCH refuse %j', async (url, problem) => {
    expectRefused(await api.post(`${base}/endpoint`, { body: { url } }), problem);
    const created = await api.post(`${base}/endpoint`, { body: { url: 'https://example.com/ok' } });
    expect(created.status).toBe(201);
    const path = `${base}/endpoint/${created.body.id}`;
    expectRefused(await api.put(path, { body: { url } }), problem);
    expectRefused(await api.patch(path, { body: { url } }), problem);
    expect((await api.get(path)).body.url).toBe('https://example.com/ok');
  });

  it.each(REFUSED)('destination create and PATCH refuse %j', async (url, _endpointProblem, problem) => {
    const res = await api.post('/api/v1/destination', { body: { name: 'd', url } });
    expectRefused(res, problem);
    expect(res.body.detail[0].msg).toMatch(/^destination URL/);
    const created = await api.post('/api/v1/destination', { body: { name: 'd', url: 'https://example.com/ok' } });
    expect(created.status, created.text).toBe(201);
    expectRefused(await api.patch(`/api/v1/destination/${created.body.id}`, { body: { url } }), problem);
  });

  it('keeps accepting an @ in the path or query, and the credentials as a header', async () => {
    const res = await api.post(`${base}/endpoint`, {
      body: { url: 'https://example.com/a@b?c=d@e', headers: { Authorization: 'Basic dTpw' } },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.url).toBe('https://example.com/a@b?c=d@e');
  });
});
