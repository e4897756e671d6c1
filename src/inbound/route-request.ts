import type { Connection, InboundRequest } from '../core/types.js';
import type { EventRoute } from '../store/store.js';
import { matchesFilter } from './setting-checks.js';

/**
 * What a connection's filter sees of a request: `body` (parsed JSON, or the text when it is not
 * JSON), `headers` (names lower-cased, repeated values joined with `, ` as HTTP allows), `query`
 * (parsed; a repeated parameter becomes an array) and `path` (the sub-path, no query).
 */
export interface FilterSubject {
  body: unknown;
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  path: string;
}

export function filterSubject(request: InboundRequest): FilterSubject {
  const at = request.path.indexOf('?');
  const path = at === -1 ? request.path : request.path.slice(0, at);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(at === -1 ? '' : request.path.slice(at + 1))) {
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`;
  }
  const text = request.body.toString('utf8');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the filter sees the text.
  }
  return { body, headers, query, path };
}

/** One route per connection whose filter (if any) matches the request, in the connections' order. */
export function routesFor(connections: readonly Connection[], request: InboundRequest): EventRoute[] {
  const withFilter = connections.some((c) => c.filter !== null);
  const subject = withFilter ? filterSubject(request) : null;
  return connections
    .filter((c) => c.filter === null || matchesFilter(c.filter, subject as FilterSubject))
    .map((c) => ({ connectionId: c.id, destinationId: c.destinationId }));
}
