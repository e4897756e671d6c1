import fc from 'fast-check';
import { parse as parseLossless } from 'lossless-json';
import { Webhook } from 'standardwebhooks';
import { Svix } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/**
 * A payload is delivered as it was sent (hookd issue 8, kind 1): number for number and key for
 * key, whitespace aside, or refused with a 4xx naming the problem. Compared with lossless-json,
 * which keeps each number's source text, so `1.0` ≠ `1` and no digit past 2^53 is lost.
 */
const SECRET = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;

describe('payloads, byte for byte from the API to the endpoint', () => {
  let hookd: TestHookd;
  let receiver: Receiver;
  let api: ApiClient;
  let endpointId: string;
  const base = '/api/v1/app/fidelity';

  beforeAll(async () => {
    hookd = await startTestHookd();
    receiver = await startReceiver(() => 200);
    api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    expect((await api.post('/api/v1/app', { body: { name: 'Fidelity', uid: 'fidelity' } })).status).toBe(201);
    const endpoint = await api.post(`${base}/endpoint`, { body: { url: receiver.url, secret: SECRET } });
    expect(endpoint.status, endpoint.text).toBe(201);
    endpointId = endpoint.body.id;
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  /** The payload member of a MessageOut (or list) response, parsed losslessly. */
  const payloadIn = (text: string) => (parseLossless(text) as { payload: unknown }).payload;

  /**
   * Sends a message whose payload is the JSON text `payload`, and returns what came back: the 202
   * body, GET's body, and the bytes the endpoint received (their signature checked).
   */
  async function roundTrip(payload: string) {
    const created = await api.post(`${base}/msg`, { body: `{"eventType":"a.b","payload":${payload}}` });
    expect(created.status, created.text).toBe(202);
    const id = created.body.id as string;
    await receiver.waitFor((requests) => requests.some((r) => r.headers['webhook-id'] === id));
    const delivered = receiver.requests.find((r) => r.headers['webhook-id'] === id)!;
    new Webhook(SECRET).verify(delivered.body, delivered.headers as Record<string, string>);
    const got = await api.get(`${base}/msg/${id}`);
    return { id, created: created.text, got: got.text, delivered: delivered.body };
  }

  /** Every place the payload shows, parsed losslessly, equals what was sent. */
  async function expectDeliveredAsSent(payload: string) {
    const sent = parseLossless(payload);
    const { created, got, delivered } = await roundTrip(payload);
    expect(parseLossless(delivered)).toEqual(sent);
    expect(payloadIn(created)).toEqual(sent);
    expect(payloadIn(got)).toEqual(sent);
  }

  it('refuses a number that is not a finite double (1e400) with a 400 naming it; nothing is sent', async () => {
    for (const payload of ['{"amount":1e400}', '{"a":[-1E999]}', `{"a":${'9'.repeat(400)}}`]) {
      const res = await api.post(`${base}/msg`, { body: `{"eventType":"a.b","payload":${payload}}` });
      expect(res.status, payload).toBe(400);
      expect(res.body.code).toBe('invalid_json');
      expect(res.body.detail).toMatch(/is out of range: JSON numbers must be finite/);
    }
    expect((await api.get(`${base}/msg`)).body.data).toHaveLength(0);
  });

  it('keeps integers past 2^53, tiny numbers and number spellings as written', async () => {
    const payload = '{"big":12345678901234567890123,"neg":-9007199254740993,"tiny":1e-400,"f":1.0,"e":1E+2,"z":-0}';
    const { created, got, delivered } = await roundTrip(payload);
    expect(delivered).toBe(payload);
    expect(created).toContain(`"payload":${payload}}`);
    expect(got).toContain(`"payload":${payload}}`);
    const listed = await api.get(`${base}/msg?with_content=true`);
    expect(listed.text).toContain(`"payload":${payload}}`);
    const byEndpoint = await api.get(`${base}/endpoint/${endpointId}/msg`);
    expect(byEndpoint.text).toContain(`"payload":${payload}}`);
  });

  it.each([
    '{"__proto__":1}',
    '{"x":{"__proto__":"s"}}',
    '{"constructor":{"prototype":1}}',
    '{"__proto__":{"__proto__":{"polluted":true}},"prototype":[{"constructor":null}]}',
  ])('delivers %s with every member, polluting nothing', async (payload) => {
    const { delivered } = await roundTrip(payload);
    expect(delivered).toBe(payload);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('delivers a payload nested as deep as a body may be (100 levels with the body)', async () => {
    const payload = `${'{"a":'.repeat(98)}[12345678901234567890]${'}'.repeat(98)}`;
    expect((await roundTrip(payload)).delivered).toBe(payload);
  });

  it('drops only the whitespace between tokens', async () => {
    const { delivered } = await roundTrip(' { "a b" : [ 1 , "x  y" , { } ] ,\n\t"c" : null } ');
    expect(delivered).toBe('{"a b":[1,"x  y",{}],"c":null}');
  });

  it('keeps __proto__, constructor and prototype in application and endpoint metadata', async () => {
    const metadata = '{"__proto__":"a","constructor":"b","prototype":"c"}';
    const app = await api.post(`${base}/msg`, {
      body: `{"eventType":"a.b","payload":{},"application":{"name":"m","metadata":${metadata}}}`,
    });
    expect(app.status, app.text).toBe(202);
    expect((await api.get('/api/v1/app/fidelity')).text).not.toContain('"polluted"');
    const created = await api.post('/api/v1/app', { body: `{"name":"meta","uid":"meta","metadata":${metadata}}` });
    expect(created.status, created.text).toBe(201);
    expect(created.text).toContain(`"metadata":${metadata}`);
    const endpoint = await api.post('/api/v1/app/meta/endpoint', {
      body: `{"url":"https://example.com/","metadata":${metadata}}`,
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    expect((await api.get(`/api/v1/app/meta/endpoint/${endpoint.body.id}`)).text).toContain(`"metadata":${metadata}`);
  });

  it('keeps metadata, channels and header values member for member through create, PUT, PATCH and lists', async () => {
    // String maps and lists: JSON.parse and JSON.stringify keep every string, so the value is the
    // same member for member (integer-like names may come back first, as JSON objects are unordered).
    const metadata = '{"b":"\\u00e9\\ud83d\\ude00","10":"x","2":"y","__proto__":"p","":"\\"\\\\"}';
    const same = (text: string, member: string, sent: string) =>
      expect((parseLossless(text) as Record<string, unknown>)[member]).toEqual(parseLossless(sent));
    const app = await api.post('/api/v1/app', { body: `{"name":"members","uid":"members","metadata":${metadata}}` });
    same(app.text, 'metadata', metadata);
    same((await api.patch('/api/v1/app/members', { body: `{"metadata":${metadata}}` })).text, 'metadata', metadata);
    same(
      (await api.put('/api/v1/app/members', { body: `{"name":"m","metadata":${metadata}}` })).text,
      'metadata',
      metadata,
    );
    const listedApp = (parseLossless((await api.get('/api/v1/app?limit=250')).text) as { data: { uid: string }[] })
      .data;
    expect(listedApp.find((a) => a.uid === 'members')).toMatchObject({ metadata: parseLossless(metadata) });
    const channels = '["__proto__","constructor","a-b.c_D"]';
    const endpoint = await api.post('/api/v1/app/members/endpoint', {
      body: `{"url":"https://example.com/","metadata":${metadata},"channels":${channels}}`,
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    same(endpoint.text, 'metadata', metadata);
    same(endpoint.text, 'channels', channels);
    const path = `/api/v1/app/members/endpoint/${endpoint.body.id}`;
    same((await api.patch(path, { body: `{"metadata":${metadata}}` })).text, 'metadata', metadata);
    same((await api.get(path)).text, 'metadata', metadata);
    const headers = '{"x-a":"\\u00e9 1.0","x-b":"12345678901234567890"}';
    expect((await api.put(`${path}/headers`, { body: `{"headers":${headers}}` })).status).toBe(204);
    same((await api.get(`${path}/headers`)).text, 'headers', headers);
  });

  /** Stores `example` (JSON text) as example 1 of the latest schema version of a new event type. */
  async function eventTypeWithExample(name: string, example: string) {
    const schemas = `{ "1": {"examples": [{"old":true}]}, "2": { "type": "object", "examples": [ {"x":1}, ${example} ] } }`;
    const created = await api.post('/api/v1/event-type', {
      body: `{"name":"${name}","description":"","schemas":${schemas}}`,
    });
    expect(created.status, created.text).toBe(201);
    return created;
  }

  /** Sends example 1 of `name` with the svix SDK; returns the message's text from GET and the bytes delivered. */
  async function sendExample(name: string) {
    const svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url });
    const message = await svix.endpoint.sendExample('fidelity', endpointId, { eventType: name, exampleIndex: 1 });
    await receiver.waitFor((requests) => requests.some((r) => r.headers['webhook-id'] === message.id));
    const delivered = receiver.requests.find((r) => r.headers['webhook-id'] === message.id)!;
    new Webhook(SECRET).verify(delivered.body, delivered.headers as Record<string, string>);
    return { got: (await api.get(`${base}/msg/${message.id}`)).text, delivered: delivered.body };
  }

  it("keeps an event type's schemas as sent, and send-example (svix SDK) delivers the example's exact text", async () => {
    const example = '{"big":12345678901234567890123,"f":1.0,"tiny":1e-400,"__proto__":{"u":"\\u00e9"}}';
    const created = await eventTypeWithExample('fidelity.example', ` ${example.replace(',', ' , ')} `);
    const stored = `{"1":{"examples":[{"old":true}]},"2":{"type":"object","examples":[{"x":1},${example}]}}`;
    expect(created.text).toContain(`"schemas":${stored}`);
    expect((await api.get('/api/v1/event-type/fidelity.example')).text).toContain(`"schemas":${stored}`);
    const listed = await api.get('/api/v1/event-type?with_content=true&limit=250');
    expect(listed.text).toContain(`"schemas":${stored}`);
    const patched = await api.patch('/api/v1/event-type/fidelity.example', { body: { description: 'kept' } });
    expect(patched.text).toContain(`"schemas":${stored}`);
    const { got, delivered } = await sendExample('fidelity.example');
    expect(delivered).toBe(example);
    expect(got).toContain(`"payload":${example}}`);
    const put = await api.put('/api/v1/event-type/fidelity.example', {
      body: `{"description":"","schemas":{"1":{"examples":[0,{"n":-0.0}]}}}`,
    });
    expect(put.text).toContain('"schemas":{"1":{"examples":[0,{"n":-0.0}]}}');
  });

  it('send-example delivers any generated example object as stored (property)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(jsonObjectText(), async (example) => {
        const name = `fidelity.generated${n++}`;
        await eventTypeWithExample(name, example);
        const { got, delivered } = await sendExample(name);
        expect(parseLossless(delivered)).toEqual(parseLossless(example));
        expect(payloadIn(got)).toEqual(parseLossless(example));
      }),
      { numRuns: 25 },
    );
  });

  it('delivers any generated JSON payload as sent (property)', async () => {
    await fc.assert(
      fc.asyncProperty(jsonObjectText(), async (payload) => {
        await expectDeliveredAsSent(payload);
      }),
      { numRuns: 60 },
    );
  });
});

// --- generators of JSON text ---------------------------------------------------------------------

/** Whitespace JSON allows between tokens. */
const space = fc.stringMatching(/^[ \t\n\r]{0,2}$/);

/** Numbers as text: big and tiny, every spelling the grammar allows, always a finite double. */
const numberText = fc
  .tuple(
    fc.constantFrom('', '-'),
    fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,40}$/)),
    fc.option(fc.stringMatching(/^\.[0-9]{1,20}$/), { nil: '' }),
    fc.option(fc.stringMatching(/^[eE][+-]?[0-9]{1,3}$/), { nil: '' }),
  )
  .map((parts) => parts.join(''))
  .filter((text) => Number.isFinite(Number(text)));

/** Strings as text: any Unicode, written plainly or with every character \u-escaped. */
const stringText = (value: fc.Arbitrary<string>) =>
  fc
    .tuple(value, fc.boolean())
    .map(([s, escaped]) =>
      escaped
        ? `"${[...s].map((ch) => [...ch].map((_, i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')).join('')}"`
        : JSON.stringify(s),
    );

const memberName = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

function jsonObjectText(): fc.Arbitrary<string> {
  const { object } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      numberText,
      stringText(fc.string({ unit: 'grapheme', maxLength: 12 })),
      fc.constantFrom('true', 'false', 'null'),
      tie('object'),
      tie('array'),
    ),
    object: fc
      .uniqueArray(fc.tuple(memberName, tie('value')), { selector: ([name]) => name, maxLength: 5 })
      .chain((members) =>
        fc
          .array(space, { minLength: members.length * 4 + 2, maxLength: members.length * 4 + 2 })
          .map(
            (ws) =>
              `{${ws[0]}${members.map(([name, value], i) => `${ws[4 * i + 1]}${JSON.stringify(name)}${ws[4 * i + 2]}:${ws[4 * i + 3]}${value}${ws[4 * i + 4]}`).join(',')}${ws[ws.length - 1]}}`,
          ),
      ),
    array: fc.array(tie('value'), { maxLength: 5 }).map((values) => `[${values.join(',')}]`),
  }));
  return object;
}
