import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Face } from '../../src/http/face.js';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/**
 * A face the sending face knows nothing about, as the inbound gateway will be: every method under
 * `/echo/` (as the ingest at `/in/`), any content type taken as raw bytes, no token, its own answer (the bytes it got back).
 */
const echoFace: Face = {
  name: 'test-echo',
  prefix: '/echo',
  async plugin(app) {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.all('/*', async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      return reply.code(200).header('x-echo-method', req.method).type('application/octet-stream').send(body);
    });
  },
};

const MAX_PAYLOAD_BYTES = 4096;

describe('faces: a raw-bytes face beside the sending face', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ maxPayloadBytes: MAX_PAYLOAD_BYTES }, { extraFaces: [echoFace] });
    api = createApiClient(server.url, server.token);
  });
  afterAll(() => server?.close());

  async function send(
    method: string,
    path: string,
    body: Buffer | string | undefined,
    headers: Record<string, string> = {},
  ) {
    const res = await request(server.url + path, { method: method as 'POST', headers, body });
    return { status: res.statusCode, headers: res.headers, bytes: Buffer.from(await res.body.arrayBuffer()) };
  }

  // Bytes that are not UTF-8 (a lone continuation byte, an overlong form, 0xff) and a NUL.
  const binary = Buffer.from([0x80, 0xc0, 0xaf, 0xff, 0xfe, 0x00, 0x7b, 0x22]);

  it('takes any content type on /echo/* byte-exact, with no token', async () => {
    const cases: [string, Buffer, Record<string, string>][] = [
      ['POST', binary, { 'content-type': 'application/octet-stream' }],
      ['PUT', Buffer.from('plain text, not JSON {'), { 'content-type': 'text/plain; charset=utf-8' }],
      ['PATCH', binary, {}],
      ['POST', Buffer.from('{"bad json'), { 'content-type': 'application/json' }],
      ['DELETE', Buffer.from('a=1&b=2'), { 'content-type': 'application/x-www-form-urlencoded' }],
      ['POST', binary, { 'content-type': 'image/png' }],
    ];
    for (const [method, body, headers] of cases) {
      const res = await send(method, '/echo/src_1/anything', body, headers);
      expect(res.status, `${method} ${headers['content-type']}`).toBe(200);
      expect(res.headers['x-echo-method']).toBe(method);
      expect(res.bytes.equals(body), `${method} ${headers['content-type']}`).toBe(true);
    }
  });

  it('answers a bad body on /echo/* with a 4xx, never a 500', async () => {
    const tooLarge = await send('POST', '/echo/x', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0xff), {
      'content-type': 'application/octet-stream',
    });
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.bytes.toString())).toEqual({
      code: 'payload_too_large',
      detail: `payload exceeds ${MAX_PAYLOAD_BYTES} bytes`,
    });
    const empty = await send('POST', '/echo/x', Buffer.alloc(0), { 'content-type': 'application/json' });
    expect(empty.status).toBe(200);
    expect(empty.bytes.length).toBe(0);
  });

  it('keeps the sending face as it was: 401 without a token, 415 and 400 for bodies that are not JSON', async () => {
    const noToken = await api.get('/api/v1/app', { token: null });
    expect([noToken.status, noToken.body]).toEqual([
      401,
      { code: 'authentication_failed', detail: 'missing or invalid bearer token' },
    ]);
    const unsupported = { code: 'unsupported_media_type', detail: 'request body must be application/json' };
    for (const headers of [
      { 'content-type': 'application/octet-stream' },
      { 'content-type': 'text/plain' },
      {} as Record<string, string>,
    ]) {
      const res = await send('POST', '/api/v1/app', binary, { ...headers, authorization: `Bearer ${server.token}` });
      expect(res.status, JSON.stringify(headers)).toBe(415);
      expect(JSON.parse(res.bytes.toString())).toEqual(unsupported);
    }
    const badJson = await api.post('/api/v1/app', { body: '{"name":' });
    expect([badJson.status, badJson.body]).toEqual([
      400,
      { code: 'invalid_json', detail: 'request body is not valid JSON' },
    ]);
    // Its auth runs before its body parser: no token and a body it would refuse is still a 401.
    const both = await send('POST', '/api/v1/app', binary, { 'content-type': 'application/octet-stream' });
    expect(both.status).toBe(401);
    expect((await api.post('/api/v1/app', { body: { name: 'still works' } })).status).toBe(201);
  });

  it('gives every response an x-request-id, keeping a safe incoming one', async () => {
    const generated = await send('POST', '/echo/x', 'a');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await api.get('/api/v1/health', { token: null, headers: { 'x-request-id': 'trace-42.abc_X' } });
    expect(kept.headers['x-request-id']).toBe('trace-42.abc_X');
    for (const unsafe of ['a b', 'x'.repeat(65), 'line\u00e9']) {
      const res = await api.get('/api/v1/app', { token: null, headers: { 'x-request-id': unsafe } });
      expect(res.status).toBe(401);
      expect(res.headers['x-request-id']).not.toBe(unsafe);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
