import { createHash } from 'node:crypto';
import { sign as signGithub } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { startTestHookd, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const stripe = new Stripe('sk_test_unused');
const STRIPE_SECRET = 'whsec_test_receive_0123456789';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The receive side through real HTTP: a provider signs, hookd verifies, stores, answers and forwards. */
describe('receive: verify, store, answer, forward', () => {
  let hookd: TestHookd;
  let api: ApiClient;
  let receiver: Receiver;
  let down = false;

  beforeAll(async () => {
    hookd = await startTestHookd({ maxInboundBodyBytes: 64 * 1024 });
    api = createApiClient(hookd.url, hookd.config.adminToken);
    receiver = await startReceiver(() => (down ? 503 : 200));
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  /** A source, a destination on the receiver (under `path`) and a connection between them. */
  async function route(source: Record<string, unknown>, connection: Record<string, unknown> = {}, path = '/fwd') {
    const src = (await api.post('/api/v1/source', { body: { name: 'src', ...source } })).body;
    const dst = (
      await api.post('/api/v1/destination', {
        body: { name: 'dst', url: receiver.url + path, retrySchedule: [1, 1, 1, 1, 1] },
      })
    ).body;
    const conn = await api.post('/api/v1/connection', { body: { source: src.id, destination: dst.id, ...connection } });
    expect(conn.status, JSON.stringify(conn.body)).toBe(201);
    return { source: { ...src, url: inUrl(src.id) }, destination: dst, connection: conn.body };
  }

  async function send(url: string, method: string, headers: Record<string, string>, body?: Buffer | string) {
    const res = await request(url, { method: method as 'POST', headers, body });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  /** The source's URL on this test's port (its `url` uses HOOKD_PUBLIC_URL, which a test on port 0 does not know). */
  const inUrl = (id: string) => `${hookd.url}/in/${id}`;
  const arrivedAt = (path: string) => receiver.requests.filter((r) => r.url.startsWith(`/hook${path}`));

  it('forwards a Stripe-signed request byte for byte, with method, sub-path and query, and answers 200 {"ok":true}', async () => {
    const { source } = await route({ verification: { type: 'stripe', secrets: [STRIPE_SECRET] } }, {}, '/stripe');
    const payload = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded', amount: 1e21, ü: '€' });
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const res = await send(
      `${source.url}/v1/charges?expand=a&expand=b`,
      'POST',
      {
        'content-type': 'application/json',
        'stripe-signature': header,
      },
      payload,
    );
    expect([res.status, res.text]).toEqual([200, '{"ok":true}']);
    await receiver.waitFor(() => arrivedAt('/stripe').length === 1);
    const [got] = arrivedAt('/stripe');
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/hook/stripe/v1/charges?expand=a&expand=b');
    expect(sha256(got.rawBody)).toBe(sha256(Buffer.from(payload)));
    expect(got.headers['stripe-signature']).toBe(header);
    expect(got.headers['x-hookd-request-id']).toMatch(/^req_/);
    expect(got.headers['x-hookd-event-id']).toMatch(/^evt_/);
    // The request and its event are in the API, the event's attempt succeeded.
    const requests = (await api.get(`/api/v1/source/${source.id}/request`)).body.data;
    expect(requests).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1/charges', query: 'expand=a&expand=b', status: 'accepted' }),
    ]);
    expect(Buffer.from(requests[0].body, 'base64').toString()).toBe(payload);
    const events = (await api.get(`/api/v1/request/${requests[0].id}/event`)).body.data;
    await expect.poll(async () => (await api.get(`/api/v1/event/${events[0].id}`)).body.status).toBe('success');
  });

  it('forwards form, binary and non-UTF-8 bodies byte for byte (SHA-256 on the receiving side), any method', async () => {
    const { source } = await route({}, {}, '/bytes');
    const bodies: [string, string, Buffer][] = [
      ['POST', 'application/x-www-form-urlencoded', Buffer.from('a=1&b=%E2%82%AC&a=2')],
      ['PUT', 'application/octet-stream', Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x0d])],
      ['PATCH', 'text/plain; charset=latin1', Buffer.from([0xe9, 0xe8, 0x20, 0xc3, 0x28])],
      ['DELETE', 'application/json', Buffer.from('{"a":1}')],
    ];
    for (const [method, type, body] of bodies) {
      const res = await send(`${source.url}/${method.toLowerCase()}`, method, { 'content-type': type }, body);
      expect(res.status).toBe(200);
    }
    await receiver.waitFor(() => arrivedAt('/bytes').length === bodies.length);
    for (const [method, type, body] of bodies) {
      const got = arrivedAt(`/bytes/${method.toLowerCase()}`);
      expect(got, method).toHaveLength(1);
      expect([got[0].method, got[0].headers['content-type'], sha256(got[0].rawBody)]).toEqual([
        method,
        type,
        sha256(body),
      ]);
    }
  });

  it('rejects a changed byte, a missing signature and a stale timestamp with 401 and a named cause, and forwards none', async () => {
    const { source } = await route({ verification: { type: 'stripe', secrets: [STRIPE_SECRET] } }, {}, '/reject');
    const payload = '{"id":"evt_2"}';
    const good = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const stale = stripe.webhooks.generateTestHeaderString({
      payload,
      secret: STRIPE_SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 3_600,
    });
    const cases: [Record<string, string>, string, string][] = [
      [{ 'stripe-signature': good }, '{"id":"evt_3"}', 'signature_invalid'],
      [{}, payload, 'signature_missing'],
      [{ 'stripe-signature': stale }, payload, 'timestamp_out_of_window'],
    ];
    for (const [headers, body, cause] of cases) {
      const res = await send(source.url, 'POST', { 'content-type': 'application/json', ...headers }, body);
      expect(res.status, cause).toBe(401);
      expect(JSON.parse(res.text).code).toBe(cause);
    }
    const rejected = (await api.get(`/api/v1/source/${source.id}/request?status=rejected`)).body.data;
    expect(rejected.map((r: { cause: string }) => r.cause).sort()).toEqual(cases.map((c) => c[2]).sort());
    expect(arrivedAt('/reject')).toEqual([]);
  });

  it('keeps requests while the destination is down and delivers them after it comes back', async () => {
    const { source } = await route({}, {}, '/down');
    down = true;
    for (let i = 0; i < 3; i++) expect((await send(source.url, 'POST', {}, `{"n":${i}}`)).status).toBe(200);
    await receiver.waitFor(() => arrivedAt('/down').length >= 3); // the first attempts, all 503
    down = false;
    await receiver.waitFor(
      () =>
        new Set(
          arrivedAt('/down')
            .slice(3)
            .map((r) => r.body),
        ).size === 3,
      30_000,
    );
    expect(new Set(arrivedAt('/down').map((r) => r.body))).toEqual(new Set(['{"n":0}', '{"n":1}', '{"n":2}']));
  });

  it("dedups by Stripe's event id, read from the body: a resend signed anew is a duplicate", async () => {
    const { source } = await route(
      { verification: { type: 'stripe', secrets: [STRIPE_SECRET] }, dedup: { by: 'delivery-id', windowSeconds: 3600 } },
      {},
      '/stripe-dedup',
    );
    const payload = '{"id":"evt_dedup_1","type":"charge.succeeded"}';
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const timestamp of [nowSeconds, nowSeconds + 1]) {
      const header = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET, timestamp });
      const headers = { 'content-type': 'application/json', 'stripe-signature': header };
      expect((await send(source.url, 'POST', headers, payload)).status).toBe(200);
    }
    await receiver.waitFor(() => arrivedAt('/stripe-dedup').length === 1);
    const all = (await api.get(`/api/v1/source/${source.id}/request`)).body.data;
    expect(all.map((r: { status: string; cause: string | null }) => [r.status, r.cause])).toEqual([
      ['rejected', 'duplicate'],
      ['accepted', null],
    ]);
  });

  it("dedups by GitHub's delivery id: the duplicate is answered 200, recorded, and not forwarded", async () => {
    const secret = 'gh-secret';
    const { source } = await route(
      { verification: { type: 'github', secrets: [secret] }, dedup: { by: 'delivery-id', windowSeconds: 3600 } },
      {},
      '/github',
    );
    const body = '{"action":"opened"}';
    const headers = {
      'content-type': 'application/json',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': await signGithub(secret, body),
    };
    expect((await send(source.url, 'POST', headers, body)).status).toBe(200);
    expect((await send(source.url, 'POST', headers, body)).status).toBe(200);
    await receiver.waitFor(() => arrivedAt('/github').length === 1);
    const all = (await api.get(`/api/v1/source/${source.id}/request`)).body.data;
    expect(all.map((r: { status: string; cause: string | null }) => [r.status, r.cause])).toEqual([
      ['rejected', 'duplicate'],
      ['accepted', null],
    ]);
    expect(arrivedAt('/github')).toHaveLength(1);
  });

  it('forwards through matching connections only; with none matching, the request is rejected as filtered', async () => {
    const { source } = await route(
      {},
      { filter: { body: { type: 'order.created', amount: { $gte: 100 } } } },
      '/filter',
    );
    expect(
      (await send(source.url, 'POST', { 'content-type': 'application/json' }, '{"type":"order.created","amount":150}'))
        .status,
    ).toBe(200);
    expect(
      (await send(source.url, 'POST', { 'content-type': 'application/json' }, '{"type":"order.created","amount":50}'))
        .status,
    ).toBe(200);
    await receiver.waitFor(() => arrivedAt('/filter').length === 1);
    expect(arrivedAt('/filter')[0].body).toBe('{"type":"order.created","amount":150}');
    const rejected = (await api.get(`/api/v1/source/${source.id}/request?status=rejected`)).body.data;
    expect(rejected.map((r: { cause: string }) => r.cause)).toEqual(['filtered']);
  });

  it("answers with the source's configured response; 404 for an unknown source; 413 over the size limit, kept without its body", async () => {
    const src = (
      await api.post('/api/v1/source', {
        body: {
          name: 'custom',
          response: { status: 202, body: 'thanks', contentType: 'text/plain', headers: { 'x-by': 'hookd' } },
        },
      })
    ).body;
    const res = await send(inUrl(src.id), 'POST', {}, 'x');
    expect([res.status, res.text, res.headers['content-type'], res.headers['x-by']]).toEqual([
      202,
      'thanks',
      'text/plain',
      'hookd',
    ]);
    const unknown = await send(`${hookd.url}/in/src_missing`, 'POST', {}, 'x');
    expect([unknown.status, JSON.parse(unknown.text).code]).toEqual([404, 'not_found']);
    const big = await send(
      inUrl(src.id),
      'POST',
      { 'content-type': 'application/octet-stream' },
      Buffer.alloc(hookd.config.maxInboundBodyBytes + 1),
    );
    expect([big.status, JSON.parse(big.text).code]).toEqual([413, 'payload_too_large']);
    const rejected = (await api.get(`/api/v1/source/${src.id}/request?status=rejected`)).body.data;
    expect(rejected).toEqual([
      expect.objectContaining({ cause: 'payload_too_large', body: '', bodySize: hookd.config.maxInboundBodyBytes + 1 }),
    ]);
  });

  it('applies a change made through the API to the very next request (disable, re-enable, new filter)', async () => {
    const { source, connection } = await route({}, {}, '/changes');
    expect((await send(source.url, 'POST', {}, 'one')).status).toBe(200);
    expect((await api.patch(`/api/v1/source/${source.id}`, { body: { disabled: true } })).status).toBe(200);
    const refused = await send(source.url, 'POST', {}, 'two');
    expect([refused.status, JSON.parse(refused.text).code]).toEqual([403, 'source_disabled']);
    expect((await api.patch(`/api/v1/source/${source.id}`, { body: { disabled: false } })).status).toBe(200);
    const filter = { body: { keep: true } };
    expect((await api.patch(`/api/v1/connection/${connection.id}`, { body: { filter } })).status).toBe(200);
    expect((await send(source.url, 'POST', { 'content-type': 'application/json' }, '{"keep":false}')).status).toBe(200);
    expect((await send(source.url, 'POST', { 'content-type': 'application/json' }, '{"keep":true}')).status).toBe(200);
    await receiver.waitFor(() => arrivedAt('/changes').length === 2);
    expect(arrivedAt('/changes').map((r) => r.body)).toEqual(['one', '{"keep":true}']);
    const causes = (await api.get(`/api/v1/source/${source.id}/request?status=rejected`)).body.data.map(
      (r: { cause: string }) => r.cause,
    );
    expect(causes).toEqual(['filtered', 'source_disabled']);
  });

  it("streams a source's new requests as server-sent events", async () => {
    const { source } = await route({}, {}, '/stream');
    const stream = await request(`${hookd.url}/api/v1/source/${source.id}/request/stream`, {
      headers: { authorization: `Bearer ${hookd.config.adminToken}` },
    });
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    let text = '';
    const events: { id: string; data: { body: string; status: string } }[] = [];
    const reading = (async () => {
      for await (const chunk of stream.body) {
        text += chunk.toString();
        for (;;) {
          const end = text.indexOf('\n\n');
          if (end === -1) break;
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
          );
          if (fields.event === 'request') events.push({ id: fields.id, data: JSON.parse(fields.data) });
          if (events.length === 2) return;
        }
      }
    })();
    await send(source.url, 'POST', {}, 'first');
    await send(source.url, 'PUT', {}, 'second');
    await reading;
    stream.body.destroy();
    expect(events.map((e) => Buffer.from(e.data.body, 'base64').toString())).toEqual(['first', 'second']);
    expect(events.every((e) => e.id.startsWith('req_') && e.data.status === 'accepted')).toBe(true);
  });
});
