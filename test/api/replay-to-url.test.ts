import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/** Not valid UTF-8, with a NUL and a CR LF: only a byte-exact forward keeps these. */
const BODY = Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0xc3, 0x28, 0x7b]);

/** `POST /api/v1/request/{id}/replay-to-url`, against a real loopback receiver. */
describe('replay a received request to a URL', () => {
  let server: TestServer;
  let api: ApiClient;
  let receiver: Receiver;
  let sourceUrl: string;
  let sourceId: string;

  /** Sends a request to the source at /in and returns its stored id. */
  async function receive(body: Buffer): Promise<string> {
    const answer = await request(`${sourceUrl}/orders/7?expand=1`, {
      method: 'PUT',
      headers: ['Content-Type', 'application/octet-stream', 'X-Repeat', 'one', 'x-repeat', 'two'],
      body,
    });
    await answer.body.dump();
    expect(answer.statusCode).toBe(200);
    const list = await api.get(`/api/v1/source/${sourceId}/request?limit=1`);
    return list.body.data[0].id;
  }

  beforeAll(async () => {
    server = await startTestServer({ allowedNetworks: ['127.0.0.0/8'] });
    api = createApiClient(server.url, server.token);
    receiver = await startReceiver((_req, n) => (n === 0 ? 201 : 500));
    const source = (await api.post('/api/v1/source', { body: { name: 'Capture' } })).body;
    sourceId = source.id;
    sourceUrl = `${server.url}/in/${source.id}`;
  });
  afterAll(async () => {
    await receiver?.close();
    await server?.close();
  });

  it('sends the exact bytes, headers in order, sub-path and query appended, and answers with the response', async () => {
    const id = await receive(BODY);
    const res = await api.post(`/api/v1/request/${id}/replay-to-url`, { body: { url: `${receiver.url}?k=v` } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      url: `${receiver.url}/orders/7?k=v&expand=1`,
      outcome: 'response',
      responseStatusCode: 201,
      response: 'ok',
      responseDurationMs: expect.any(Number),
    });
    expect(receiver.requests).toHaveLength(1);
    const got = receiver.requests[0];
    expect(got.method).toBe('PUT');
    expect(got.url).toBe('/hook/orders/7?k=v&expand=1');
    expect(got.rawBody.equals(BODY)).toBe(true);
    const pairs = [];
    for (let i = 0; i < got.rawHeaders.length; i += 2) pairs.push([got.rawHeaders[i], got.rawHeaders[i + 1]]);
    // The received headers in arrival order, repeats kept.
    expect(pairs.filter(([name]) => /^(content-type|x-repeat)$/i.test(name))).toEqual([
      ['Content-Type', 'application/octet-stream'],
      ['X-Repeat', 'one'],
      ['x-repeat', 'two'],
    ]);
    expect(got.headers['x-hookd-request-id']).toBe(id);
    // Nothing is stored: the request became no event.
    expect((await api.get(`/api/v1/request/${id}/event`)).body.data).toEqual([]);
  });

  it("answers with the receiver's failure, and with why there was no response", async () => {
    const id = await receive(Buffer.from('{"a":1}'));
    const failed = await api.post(`/api/v1/request/${id}/replay-to-url`, { body: { url: receiver.url } });
    expect(failed.body).toMatchObject({ outcome: 'response', responseStatusCode: 500 });
    // A port nothing listens on: the connection fails, as data.
    const closed = await startReceiver();
    const closedUrl = closed.url;
    await closed.close();
    const refused = await api.post(`/api/v1/request/${id}/replay-to-url`, { body: { url: closedUrl } });
    expect(refused.status, refused.text).toBe(200);
    expect(refused.body).toMatchObject({ outcome: 'connection', responseStatusCode: 0 });
    expect(refused.body.response).not.toBe('');
  });

  it('validates: 422 for a URL hookd may not send to, 404 for an unknown request', async () => {
    const id = await receive(Buffer.from('x'));
    for (const url of ['ftp://127.0.0.1/x', 'http://user:pw@127.0.0.1/x', 'not a url', 'http://10.0.0.1/x']) {
      const res = await api.post(`/api/v1/request/${id}/replay-to-url`, { body: { url } });
      expect(res.status, url).toBe(422);
      expect(res.body.code).toBe('validation');
      expect(res.body.detail[0].loc).toEqual(['body', 'url']);
      expect(res.body.detail[0].msg).toMatch(/^url /);
    }
    expect((await api.post(`/api/v1/request/${id}/replay-to-url`, { body: {} })).status).toBe(422);
    const missing = await api.post('/api/v1/request/req_2Yx0000000000000000000000000/replay-to-url', {
      body: { url: receiver.url },
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: 'not_found', detail: 'request not found' });
  });

  it('refuses loopback where the configuration does not allow it, before any connection', async () => {
    const strict = await startTestServer({ allowedNetworks: [] });
    try {
      const strictApi = createApiClient(strict.url, strict.token);
      const source = (await strictApi.post('/api/v1/source', { body: { name: 'Strict' } })).body;
      const answer = await request(`${strict.url}/in/${source.id}`, { method: 'POST', body: 'x' });
      await answer.body.dump();
      const id = (await strictApi.get(`/api/v1/source/${source.id}/request`)).body.data[0].id;
      const before = receiver.requests.length;
      for (const url of [receiver.url, receiver.url.replace('127.0.0.1', 'localhost')]) {
        const res = await strictApi.post(`/api/v1/request/${id}/replay-to-url`, { body: { url } });
        expect(res.status, `${url}: ${res.text}`).toBe(422);
        expect(res.body.detail[0].msg).toContain('HOOKD_ALLOWED_NETWORKS');
      }
      expect(receiver.requests.length).toBe(before);
    } finally {
      await strict.close();
    }
  });

  it('refuses a request whose body was not kept (409)', async () => {
    const id = await receive(Buffer.from('kept'));
    await server.store.retention.pruneRequestsBefore(Date.now() + 60_000, 1000, Date.now());
    const res = await api.post(`/api/v1/request/${id}/replay-to-url`, { body: { url: receiver.url } });
    expect(res.status, res.text).toBe(409);
    expect(res.body.code).toBe('conflict');
  });
});
