import { sign } from '../core/signing.js';
import type { HeaderList, InboundRequest } from '../core/types.js';
import type { ClaimedEvent } from '../store/store.js';
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
 * What a connection's transform made of a request: a new request, or drop it, or why it failed.
 * The runner never rejects (inbound/transform-pool runs it on a worker thread, in a sandbox with
 * time and memory limits, under a hard wall-clock limit).
 */
export type TransformResult =
  | { kind: 'request'; method: string; path: string; headers: HeaderList; body: Buffer }
  | { kind: 'drop' }
  | { kind: 'error'; error: string };

/** Runs a connection's transform source on a request, off the main thread. */
export type TransformRunner = (source: string, request: InboundRequest) => Promise<TransformResult>;

/** The request of an event's attempt, or why there is none: the event then ends with `status`. */
export type BuiltEvent = { request: SendRequest } | { request: null; refusal: string; status: 'fail' | 'canceled' };

/**
 * The request for one attempt of an event (delivery kind `event`): the received request's method,
 * headers (in order, repeats kept) and body bytes as stored, or as the connection's transform
 * rewrote them, to the destination's URL with the request's sub-path and query appended.
 * - Hop-by-hop headers, and any that the request's own `Connection` header names, are dropped;
 *   `host` and `content-length` are recomputed by the sender.
 * - The destination's headers and basic auth replace received headers of the same name;
 *   `x-hookd-request-id` and `x-hookd-event-id` are added.
 * - With a destination secret, the request is signed per Standard Webhooks (`webhook-id` = the
 *   event id, over the exact body bytes), replacing any `webhook-*` headers it came with.
 * - The destination's timeout applies when it has one.
 *
 * A promise only when the connection has a transform to run: an event without one costs no
 * microtask.
 */
export function buildEventRequest(
  claimed: ClaimedEvent,
  nowMs: number,
  runTransform?: TransformRunner,
): BuiltEvent | Promise<BuiltEvent> {
  const { request, connection } = claimed;
  if (!connection?.transform || !runTransform) return forwardEvent(claimed, request, nowMs);
  return runTransform(connection.transform, request).then((result): BuiltEvent => {
    if (result.kind === 'drop')
      return { request: null, refusal: "dropped by the connection's transform", status: 'canceled' };
    if (result.kind === 'error') return { request: null, refusal: `transform failed: ${result.error}`, status: 'fail' };
    return forwardEvent(claimed, result, nowMs);
  });
}

/** The forward of `sent` (the received request, or what the transform made of it). */
function forwardEvent(
  { delivery, request, destination }: ClaimedEvent,
  { method, path, headers, body }: Pick<InboundRequest, 'method' | 'path' | 'headers' | 'body'>,
  nowMs: number,
): BuiltEvent {
  const added: [string, string][] = Object.entries(destination.headers);
  if (destination.basicAuth) {
    const { username, password } = destination.basicAuth;
    added.push(['authorization', `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`]);
  }
  added.push(['x-hookd-request-id', request.id], ['x-hookd-event-id', delivery.id]);
  if (destination.secret) {
    const timestamp = Math.floor(nowMs / 1000);
    added.push(
      ['webhook-id', delivery.id],
      ['webhook-timestamp', String(timestamp)],
      ['webhook-signature', sign([destination.secret], delivery.id, timestamp, body)],
    );
  }
  const replaced = new Set(added.map(([name]) => name.toLowerCase()));
  return {
    request: {
      method,
      url: forwardUrl(destination.url, path),
      headers: [...endToEndHeaders(headers).filter(([name]) => !replaced.has(name.toLowerCase())), ...added],
      body,
      ...(destination.timeoutMs === null ? {} : { timeoutMs: destination.timeoutMs }),
    },
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

/** The end-to-end headers of a request: hop-by-hop ones, and those its `Connection` names, dropped. */
export function endToEndHeaders(headers: HeaderList): HeaderList {
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
