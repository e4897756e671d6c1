import type { Destination, HeaderList, InboundRequest } from '../core/types.js';
import type { SendRequest } from './http-sender.js';

/**
 * Headers that describe one connection, not the request (RFC 9110 §7.6.1), and the two that the
 * sender computes from the URL and the body. A forward drops them; the sender sets its own.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/**
 * The request for one attempt of a received request to a destination (delivery kind `event`):
 * its method, headers (in order, repeats kept) and body bytes as stored, to the destination's URL
 * with the request's path and query appended. Hop-by-hop headers, and any that the request's own
 * `Connection` header names, are dropped; `host` and `content-length` are recomputed by the sender.
 */
export function buildEventRequest(request: InboundRequest, destination: Destination): SendRequest {
  return {
    method: request.method,
    url: forwardUrl(destination.url, request.path),
    headers: endToEndHeaders(request.headers),
    body: request.body,
  };
}

/** `https://svc/hooks?k=1` + `/orders?id=2` → `https://svc/hooks/orders?k=1&id=2`. */
export function forwardUrl(base: string, path: string): string {
  if (path === '') return base;
  const hashAt = base.indexOf('#');
  const bare = hashAt === -1 ? base : base.slice(0, hashAt);
  const [basePath, baseQuery = ''] = splitQuery(bare);
  const [suffix, query = ''] = splitQuery(path);
  const joined = suffix === '' ? basePath : `${basePath.replace(/\/+$/, '')}/${suffix.replace(/^\/+/, '')}`;
  const queries = [baseQuery, query].filter((q) => q !== '');
  return queries.length === 0 ? joined : `${joined}?${queries.join('&')}`;
}

function splitQuery(url: string): [string, string?] {
  const at = url.indexOf('?');
  return at === -1 ? [url] : [url.slice(0, at), url.slice(at + 1)];
}

function endToEndHeaders(headers: HeaderList): HeaderList {
  // `Connection: close, x-trace` makes x-trace hop-by-hop too.
  const named = new Set<string>();
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const token of value.split(',')) named.add(token.trim().toLowerCase());
  }
  return headers.filter(([name]) => {
    const lower = name.toLowerCase();
    return !HOP_BY_HOP.has(lower) && !named.has(lower);
  });
}
