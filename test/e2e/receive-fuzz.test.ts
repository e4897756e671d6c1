import { METHODS } from 'node:http';
import { sign as signGithub } from '@octokit/webhooks-methods';
import fc from 'fast-check';
import Stripe from 'stripe';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { startTestHookd, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/*
 * fast-check sends generated requests to `/in/{source}` over real HTTP: methods (odd tokens
 * included), sub-paths, queries, header lists (repeats, one large value), bodies (binary,
 * JSON-ish, empty, over the limit) and content types, to sources with no verification, Stripe,
 * GitHub, and a filtered connection. No 5xx may come back, every status must be one hookd
 * documents, and every request hookd answered must be stored (nothing lost).
 */

const stripe = new Stripe('sk_test_unused');
const STRIPE_SECRET = 'whsec_fuzz_0123456789';
const GITHUB_SECRET = 'gh-fuzz-secret';
const MAX_BODY_BYTES = 3 * 1024;
const RUNS = 300;

/** What hookd's ingest answers: the source's response (200), or 401/413 with the request stored. */
const STORED_STATUSES = new Set([200, 401, 413]);

/** A header name: an RFC 9110 token. */
const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
const token = (max: number) =>
  fc.array(fc.constantFrom(...TOKEN_CHARS), { minLength: 1, maxLength: max }).map((a) => a.join(''));
/** A field value: visible ASCII, spaces and tabs inside, obs-text (RFC 9110 §5.5). */
const fieldValue = (max: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
        { weight: 1, arbitrary: fc.constantFrom(0x20, 0x09) },
        { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
      ),
      { maxLength: max },
    )
    .map((codes) => String.fromCharCode(...codes).trim());
/** Headers a client or the framing owns: generated values would change how the message is read. */
const FRAMING = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'expect',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
  'content-type',
  'content-encoding',
]);

const methodArb = fc.oneof(
  fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET', 'OPTIONS'),
  // Every method Node's parser knows but CONNECT (a tunnel, not a request), and odd tokens.
  fc.constantFrom(...METHODS.filter((m) => m !== 'CONNECT')),
  token(12),
);
const headersArb = fc
  .tuple(
    fc.array(fc.tuple(fc.oneof(token(40), fc.constantFrom('x-repeat', 'X-Repeat', 'accept')), fieldValue(200)), {
      maxLength: 20,
    }),
    fc.option(
      fieldValue(8 * 1024).map((v) => ['x-large', `L${v}`] as [string, string]),
      { freq: 5 },
    ),
  )
  .map(([list, large]) => [...list, ...(large ? [large] : [])].filter(([name]) => !FRAMING.has(name.toLowerCase())));
const bodyArb = fc.oneof(
  fc.constant(''),
  fc.json({ maxDepth: 3 }),
  fc.constant('{"type":"order.created","amount":1}'),
  fc.string({ maxLength: 512, unit: 'binary' }),
  fc.uint8Array({ maxLength: 2 * MAX_BODY_BYTES }).map((a) => Buffer.from(a)),
);
const contentTypeArb = fc.option(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
    'text/plain; charset=latin1',
    'multipart/form-data; boundary=xyz',
    'a/b',
    'nonsense',
  ),
);
const targetArb = fc.record({
  source: fc.constantFrom('none', 'stripe', 'github', 'filtered'),
  subPath: fc.option(fc.array(fc.webSegment(), { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`)),
  query: fc.option(fc.webQueryParameters()),
  sign: fc.boolean(),
});

describe('receive: fuzzed requests to /in/*', () => {
  let hookd: TestHookd;
  let api: ApiClient;
  let receiver: Receiver;
  const sources: Record<string, string> = {};

  beforeAll(async () => {
    hookd = await startTestHookd({ maxInboundBodyBytes: MAX_BODY_BYTES });
    api = createApiClient(hookd.url, hookd.config.adminToken);
    receiver = await startReceiver();
    const dst = (await api.post('/api/v1/destination', { body: { url: `${receiver.url}/fuzz` } })).body;
    const settings: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
      none: [{}, {}],
      stripe: [{ verification: { type: 'stripe', secrets: [STRIPE_SECRET] } }, {}],
      github: [{ verification: { type: 'github', secrets: [GITHUB_SECRET] } }, {}],
      filtered: [{}, { filter: { body: { type: 'order.created' }, headers: { 'x-repeat': { $exists: false } } } }],
    };
    for (const [name, [source, connection]] of Object.entries(settings)) {
      const src = (await api.post('/api/v1/source', { body: { name, ...source } })).body;
      const conn = await api.post('/api/v1/connection', {
        body: { source: src.id, destination: dst.id, ...connection },
      });
      expect(conn.status, JSON.stringify(conn.body)).toBe(201);
      sources[name] = src.id;
    }
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  interface Stored {
    headers: [string, string][];
    body: string;
    bodySize: number;
    status: string;
  }

  async function storedOf(sourceId: string): Promise<Stored[]> {
    const all: Stored[] = [];
    let iterator = '';
    for (;;) {
      const page = (await api.get(`/api/v1/source/${sourceId}/request?limit=250&iterator=${iterator}`)).body;
      all.push(...page.data);
      if (page.done) return all;
      iterator = page.iterator;
    }
  }

  it(`answers ${RUNS} generated requests without a 5xx, and stores every one it answered`, async () => {
    const answered: Record<string, number> = { none: 0, stripe: 0, github: 0, filtered: 0 };
    /** What each answered request carried, by its x-fuzz-seq, to compare with what was stored. */
    const sent = new Map<string, { method: string; body: Buffer; tooLarge: boolean }>();
    let seq = 0;
    const statuses = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        methodArb,
        targetArb,
        headersArb,
        bodyArb,
        contentTypeArb,
        async (method, target, headerList, body, contentType) => {
          const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
          const id = String(seq++);
          const headers: string[] = ['x-fuzz-seq', id, ...headerList.flat()];
          if (contentType !== null) headers.push('content-type', contentType);
          if (target.sign && target.source === 'stripe') {
            const payload = bytes.toString('utf8');
            headers.push(
              'stripe-signature',
              stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET }),
            );
          }
          if (target.sign && target.source === 'github' && bytes.length > 0) {
            headers.push('x-hub-signature-256', await signGithub(GITHUB_SECRET, bytes.toString('utf8')));
          }
          const url = `${hookd.url}/in/${sources[target.source]}${target.subPath ?? ''}${target.query === null ? '' : `?${target.query}`}`;
          // HEAD and GET carry no body in practice; undici refuses one on HEAD.
          const sendBody = method === 'HEAD' ? undefined : bytes;
          const res = await request(url, { method, headers, body: sendBody });
          const text = await res.body.text();
          const key = `${METHODS.includes(method) ? method : 'unknown-token'} ${res.statusCode}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          expect(res.statusCode, `${method} ${url}: ${text}`).toBeLessThan(500);
          if (STORED_STATUSES.has(res.statusCode)) {
            answered[target.source]++;
            sent.set(id, { method, body: bytes, tooLarge: res.statusCode === 413 });
            if (res.statusCode !== 200 && method !== 'HEAD') {
              expect(JSON.parse(text).code).toMatch(/^(signature_\w+|timestamp_\w+|payload_too_large)$/);
            }
          } else {
            // Only methods hookd never sees: Node's parser refuses them (400) before any route.
            expect([method, res.statusCode], text).toEqual([method, 400]);
            expect(METHODS.includes(method)).toBe(false);
          }
        },
      ),
      { numRuns: RUNS },
    );
    console.log('fuzz statuses:', Object.fromEntries([...statuses].sort()));
    for (const [name, sourceId] of Object.entries(sources)) {
      const stored = await storedOf(sourceId);
      expect(stored.length, name).toBe(answered[name]);
      for (const request of stored) {
        const id = request.headers.find(([n]) => n === 'x-fuzz-seq')?.[1] ?? '';
        const original = sent.get(id);
        expect(original, `stored request ${id}`).toBeDefined();
        // Its bytes as sent (HEAD sends none); over the limit, none kept but the size.
        const expected = original!.tooLarge || original!.method === 'HEAD' ? Buffer.alloc(0) : original!.body;
        expect(Buffer.from(request.body, 'base64').equals(expected), `${original!.method} ${id}`).toBe(true);
        sent.delete(id);
      }
    }
    expect(sent.size).toBe(0);
  });
});
