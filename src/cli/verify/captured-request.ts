import { CliError } from '../cli-error.js';
import type { HeaderPairs, VerifiableRequest } from '../../core/verify/types.js';

/**
 * A captured request, as `GET /api/v1/request/{id}` shows it and as `hookd verify --file` reads it:
 *
 * ```json
 * {"method": "POST", "url": "https://example.com/webhooks?x=1",
 *  "path": "/webhooks", "query": "x=1",
 *  "headers": [["content-type", "application/json"], ["stripe-signature", "t=...,v1=..."]],
 *  "body": "eyJpZCI6ImV2dF8xIn0=", "bodyEncoding": "base64"}
 * ```
 *
 * - `headers`: `[name, value]` pairs in arrival order (the API's shape), or an object.
 * - `body`: base64 (the API's shape, byte-exact), or text with `"bodyEncoding": "utf8"`.
 * - `url`: the URL the sender called, needed only by providers that sign it (Twilio, HubSpot,
 *   Square); else built from `path` and `query` on `http://localhost`.
 * - `method` defaults to POST.
 */
export interface CapturedRequest {
  method?: string;
  url?: string;
  path?: string;
  query?: string;
  headers: HeaderPairs | Record<string, string>;
  body?: string;
  bodyEncoding?: 'base64' | 'utf8';
}

/** Reads a captured request (see CapturedRequest) into what a verifier takes. Throws CliError naming the bad field. */
export function toVerifiableRequest(input: unknown, where: string, baseUrl = 'http://localhost'): VerifiableRequest {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new CliError(`${where}: expected a JSON object {method, headers, body, ...}`, 2);
  }
  const captured = input as Partial<CapturedRequest>;
  const encoding = captured.bodyEncoding ?? 'base64';
  if (encoding !== 'base64' && encoding !== 'utf8') {
    throw new CliError(`${where}: bodyEncoding must be "base64" or "utf8"`, 2);
  }
  if (captured.body !== undefined && typeof captured.body !== 'string') {
    throw new CliError(`${where}: body must be a string (base64, or text with "bodyEncoding": "utf8")`, 2);
  }
  const path = typeof captured.path === 'string' ? captured.path : '/';
  const query = typeof captured.query === 'string' && captured.query !== '' ? `?${captured.query}` : '';
  return {
    method: typeof captured.method === 'string' ? captured.method.toUpperCase() : 'POST',
    url: typeof captured.url === 'string' ? captured.url : `${baseUrl}${path}${query}`,
    headers: headerPairs(captured.headers, where),
    body: Buffer.from(captured.body ?? '', encoding),
  };
}

function headerPairs(headers: unknown, where: string): HeaderPairs {
  if (Array.isArray(headers)) {
    const valid = headers.every(
      (pair) => Array.isArray(pair) && pair.length === 2 && pair.every((part) => typeof part === 'string'),
    );
    if (valid) return headers as HeaderPairs;
  } else if (headers !== null && typeof headers === 'object') {
    const entries = Object.entries(headers);
    if (entries.every(([, value]) => typeof value === 'string')) return entries as [string, string][];
  }
  throw new CliError(`${where}: headers must be [name, value] pairs or an object of strings`, 2);
}
