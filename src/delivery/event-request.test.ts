import { describe, expect, it } from 'vitest';
import type { Destination, InboundRequest } from '../core/types.js';
import { buildEventRequest, forwardUrl } from './event-request.js';

const destination: Destination = { id: 'dst_1', url: 'https://svc.example/hooks', createdAt: 0 };

function request(over: Partial<InboundRequest> = {}): InboundRequest {
  return {
    id: 'req_1',
    sourceId: null,
    method: 'PUT',
    path: '/orders?id=7',
    headers: [],
    body: Buffer.from([0xff, 0x00, 0xfe]),
    receivedAt: 0,
    ...over,
  };
}

describe('buildEventRequest', () => {
  it('forwards the method and the body bytes as stored, to the destination with the path appended', () => {
    const built = buildEventRequest(request(), destination);
    expect(built.method).toBe('PUT');
    expect(built.url).toBe('https://svc.example/hooks/orders?id=7');
    expect(built.body.equals(Buffer.from([0xff, 0x00, 0xfe]))).toBe(true);
  });

  it('keeps end-to-end headers in order with repeats, and drops hop-by-hop ones and those Connection names', () => {
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
    expect(buildEventRequest(request({ headers }), destination).headers).toEqual([
      ['X-Trace', 'a'],
      ['Set-Cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['Stripe-Signature', 't=1,v1=abc'],
    ]);
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
