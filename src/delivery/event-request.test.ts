import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Connection, Destination, InboundRequest } from '../core/types.js';
import type { ClaimedEvent } from '../store/store.js';
import { buildEventRequest, forwardUrl, type TransformRunner } from './event-request.js';
import type { SendRequest } from './http-sender.js';

const destination: Destination = {
  id: 'dst_1',
  kind: 'http',
  uid: null,
  name: '',
  url: 'https://svc.example/hooks',
  headers: {},
  basicAuth: null,
  throttleRate: null,
  retrySchedule: null,
  timeoutMs: null,
  secret: null,
  disabled: false,
  createdAt: 0,
  updatedAt: 0,
};

function request(over: Partial<InboundRequest> = {}): InboundRequest {
  return {
    id: 'req_1',
    sourceId: null,
    method: 'PUT',
    path: '/orders?id=7',
    headers: [],
    body: Buffer.from([0xff, 0x00, 0xfe]),
    bodySize: 3,
    status: 'accepted',
    cause: null,
    detail: null,
    receivedAt: 0,
    ...over,
  };
}

function claimed(
  req: InboundRequest,
  dst: Destination = destination,
  connection: Connection | null = null,
): ClaimedEvent {
  const delivery = {
    id: 'evt_1',
    requestId: req.id,
    connectionId: connection?.id ?? null,
    destinationId: dst.id,
    status: 'sending' as const,
    trigger: 0 as const,
    attemptCount: 0,
    nextAttemptAt: 0,
    createdAt: 0,
    updatedAt: 0,
  };
  return { kind: 'event', delivery, request: req, destination: dst, connection };
}

/** The request built, asserting there is one. */
async function built(c: ClaimedEvent, runTransform?: TransformRunner): Promise<SendRequest> {
  const result = await buildEventRequest(c, Date.now(), runTransform);
  if (result.request === null) throw new Error(`no request: ${result.refusal}`);
  return result.request;
}

/** Headers minus the two ids hookd adds to every forward. */
const received = (r: SendRequest) => r.headers.filter(([n]) => !n.startsWith('x-hookd-'));

describe('buildEventRequest', () => {
  it('forwards the method and the body bytes as stored, to the destination with the path appended', async () => {
    const out = await built(claimed(request()));
    expect(out.method).toBe('PUT');
    expect(out.url).toBe('https://svc.example/hooks/orders?id=7');
    expect(out.body.equals(Buffer.from([0xff, 0x00, 0xfe]))).toBe(true);
    expect(out.headers).toEqual([
      ['x-hookd-request-id', 'req_1'],
      ['x-hookd-event-id', 'evt_1'],
    ]);
    expect(out.timeoutMs).toBeUndefined();
  });

  it('keeps end-to-end headers in order with repeats, and drops hop-by-hop ones and those Connection names', async () => {
    const headers = [
      ['Host', 'hookd.example'],
      ['X-Trace', 'a'],
      ['Connection', 'keep-alive, X-Hop'],
      ['x-hop', 'drop me'],
      ['Content-Length', '3'],
      ['Transfer-Encoding', 'chunked'],
      ['Set-Cookie', 'a=1'],
      ['Keep-Alive', 'timeout=5'],
      ['set-cookie', 'b=2'],
      ['Upgrade', 'h2c'],
      ['Stripe-Signature', 't=1,v1=abc'],
    ] as const;
    expect(received(await built(claimed(request({ headers }))))).toEqual([
      ['X-Trace', 'a'],
      ['Set-Cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['Stripe-Signature', 't=1,v1=abc'],
    ]);
  });
});

describe('buildEventRequest: what the destination adds', () => {
  it("replaces received headers by the destination's, adds basic auth, and takes its timeout", async () => {
    const dst = {
      ...destination,
      headers: { 'X-Env': 'prod' },
      basicAuth: { username: 'u', password: 'p:w' },
      timeoutMs: 2_500,
    };
    const out = await built(
      claimed(
        request({
          headers: [
            ['x-env', 'dev'],
            ['Authorization', 'Bearer theirs'],
            ['x-keep', '1'],
          ],
        }),
        dst,
      ),
    );
    expect(received(out)).toEqual([
      ['x-keep', '1'],
      ['X-Env', 'prod'],
      ['authorization', `Basic ${Buffer.from('u:p:w').toString('base64')}`],
    ]);
    expect(out.timeoutMs).toBe(2_500);
  });

  it('re-signs per Standard Webhooks over the exact bytes (not UTF-8), verified by the standardwebhooks package', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    const out = await built(
      claimed(request({ body, headers: [['webhook-signature', 'v1,forged']] }), { ...destination, secret }),
    );
    const headers = Object.fromEntries(out.headers);
    expect(headers['webhook-id']).toBe('evt_1');
    expect(out.headers.filter(([n]) => n === 'webhook-signature')).toHaveLength(1);
    // Over bytes that are not UTF-8 the signature is the HMAC of `id.timestamp.` + those bytes (the spec's
    // signed content); a text round trip of the body would sign other bytes.
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const content = Buffer.concat([Buffer.from(`evt_1.${headers['webhook-timestamp']}.`), body]);
    expect(headers['webhook-signature']).toBe(`v1,${createHmac('sha256', key).update(content).digest('base64')}`);
    const wh = new Webhook(secret);
    const utf8Body = Buffer.from('{"ok":true}');
    const utf8 = await built(claimed(request({ body: utf8Body }), { ...destination, secret }));
    const h = Object.fromEntries(utf8.headers);
    expect(() => wh.verify(utf8Body.toString(), h)).not.toThrow();
    expect(() => wh.verify('{"ok":false}', h)).toThrow();
  });
});

describe("buildEventRequest: the connection's transform", () => {
  const connection: Connection = {
    id: 'conn_1',
    name: '',
    sourceId: 'src_1',
    destinationId: 'dst_1',
    filter: null,
    filterText: null,
    transform: 'function transform(r) { return r; }',
    disabled: false,
    createdAt: 0,
    updatedAt: 0,
  };

  it('sends what the transform returned', async () => {
    const run: TransformRunner = async () => ({
      kind: 'request',
      method: 'POST',
      path: '/v2',
      headers: [['content-type', 'text/plain']],
      body: Buffer.from('rewritten'),
    });
    const out = await built(claimed(request(), destination, connection), run);
    expect([out.method, out.url, out.body.toString()]).toEqual(['POST', 'https://svc.example/hooks/v2', 'rewritten']);
    expect(received(out)).toEqual([['content-type', 'text/plain']]);
  });

  it('is a promise only when there is a transform to run', () => {
    const run: TransformRunner = async () => ({ kind: 'drop' });
    expect(buildEventRequest(claimed(request()), 0, run)).not.toBeInstanceOf(Promise);
    expect(
      buildEventRequest(claimed(request(), destination, { ...connection, transform: null }), 0, run),
    ).not.toBeInstanceOf(Promise);
    expect(buildEventRequest(claimed(request(), destination, connection), 0, run)).toBeInstanceOf(Promise);
  });

  it('ends the event: canceled when the transform drops it, failed with the error when it throws', async () => {
    expect(
      await buildEventRequest(claimed(request(), destination, connection), 0, async () => ({ kind: 'drop' })),
    ).toEqual({
      request: null,
      refusal: "dropped by the connection's transform",
      status: 'canceled',
    });
    expect(
      await buildEventRequest(claimed(request(), destination, connection), 0, async () => ({
        kind: 'error',
        error: 'TypeError: x',
      })),
    ).toEqual({ request: null, refusal: 'transform failed: TypeError: x', status: 'fail' });
  });
});

describe('forwardUrl', () => {
  it.each([
    ['https://svc/hooks', '', 'https://svc/hooks'],
    ['https://svc/hooks', '/', 'https://svc/hooks/'],
    ['https://svc/hooks/', '/a/b', 'https://svc/hooks/a/b'],
    ['https://svc', '/a', 'https://svc/a'],
    ['https://svc/hooks?k=1', '/a?x=2&x=3', 'https://svc/hooks/a?k=1&x=2&x=3'],
    ['https://svc/hooks', '?only=query', 'https://svc/hooks?only=query'],
    ['https://svc/hooks#frag', '/a', 'https://svc/hooks/a'],
  ])('%s + %s → %s', (base, path, expected) => {
    expect(forwardUrl(base, path)).toBe(expected);
  });
});
