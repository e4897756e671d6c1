import type { HeaderList, SourceResponse } from '../core/types.js';
import { MAX_RESPONSE_DELAY_MS } from './schemas.js';

const CORS_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/** What a source answers an accepted request with, and how long it waits first. */
export interface SourceAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Wait this long after the request is stored, before answering. */
  delayMs: number;
}

/**
 * The source's configured answer to this request. With `cors`, it allows any origin (the caller's
 * `Origin` echoed, with `Vary: Origin`; no credentials), and a CORS preflight (OPTIONS with
 * `Access-Control-Request-Method`) is answered 204 with no body, allowing the methods and the
 * headers it asked for (https://fetch.spec.whatwg.org/#http-cors-protocol).
 */
export function sourceAnswer(response: SourceResponse, request: { method: string; headers: HeaderList }): SourceAnswer {
  const delayMs = Math.min(response.delayMs ?? 0, MAX_RESPONSE_DELAY_MS);
  const configured = { ...response.headers, 'content-type': response.contentType };
  if (!response.cors) return { status: response.status, headers: configured, body: response.body, delayMs };
  const header = (name: string) => request.headers.find(([n]) => n.toLowerCase() === name)?.[1];
  const cors: Record<string, string> = {
    'access-control-allow-origin': header('origin') ?? '*',
    'access-control-expose-headers': '*',
    vary: 'Origin',
  };
  if (request.method === 'OPTIONS' && header('access-control-request-method') !== undefined) {
    const preflight = {
      ...cors,
      'access-control-allow-methods': CORS_METHODS,
      'access-control-allow-headers': header('access-control-request-headers') ?? '*',
      'access-control-max-age': '600',
    };
    return { status: 204, headers: preflight, body: '', delayMs };
  }
  return { status: response.status, headers: { ...configured, ...cors }, body: response.body, delayMs };
}
