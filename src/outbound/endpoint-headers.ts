import { ValidationError } from '../core/errors.js';
import { isSensitiveHeader } from '../core/sensitive-headers.js';

/**
 * Rules for an endpoint's custom headers. hookd refuses headers it sets itself (the signature
 * headers `webhook-*` / `svix-*`, the body's framing and the connection's), so a custom header
 * can never forge a signature or break a request.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Tab, visible ASCII and obs-text: what undici sends without complaint; never CR, LF or NUL.
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const RESERVED = new Set([
  'host',
  'content-type',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'user-agent',
]);
const RESERVED_PREFIXES = ['webhook-', 'svix-'];
const MAX_HEADERS = 50;
const MAX_VALUE_LENGTH = 8192;

/** Checks every header; returns them unchanged or throws a 422 naming the first bad one. */
export function checkHeaders(headers: Record<string, string>): Record<string, string> {
  const names = Object.keys(headers);
  if (names.length > MAX_HEADERS) throw new ValidationError(`at most ${MAX_HEADERS} headers`, 'headers');
  const seen = new Set<string>();
  for (const name of names) {
    checkHeader(name, headers[name]);
    const lower = name.toLowerCase();
    if (seen.has(lower))
      throw new ValidationError(`header ${name} is given twice (names are case-insensitive)`, `headers.${name}`);
    seen.add(lower);
  }
  return headers;
}

function checkHeader(name: string, value: string): void {
  const field = `headers.${name}`;
  if (!TOKEN.test(name))
    throw new ValidationError(`header name ${JSON.stringify(name)} is not a valid HTTP header name`, field);
  const lower = name.toLowerCase();
  if (RESERVED.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
    throw new ValidationError(`header ${name} is set by hookd and cannot be overridden`, field);
  }
  checkHeaderValue(name, value, field);
}

/** A value HTTP can carry in a header: no control characters (CR, LF, NUL), at most MAX_VALUE_LENGTH. */
export function checkHeaderValue(name: string, value: string, field: string): void {
  if (value.length > MAX_VALUE_LENGTH || !VALUE.test(value)) {
    throw new ValidationError(
      `header ${name} has an invalid value (control characters or over ${MAX_VALUE_LENGTH} characters)`,
      field,
    );
  }
}

/**
 * PATCH semantics: `null` (or a name in `remove`) deletes a header, a string sets it. Names match
 * case-insensitively, so `x-a` replaces `X-A` instead of sending both.
 */
export function mergeHeaders(
  current: Record<string, string>,
  changes: Record<string, string | null>,
  remove: readonly string[] = [],
): Record<string, string> {
  const dropped = new Set([...Object.keys(changes), ...remove].map((name) => name.toLowerCase()));
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(current)) if (!dropped.has(name.toLowerCase())) merged[name] = value;
  const added: Record<string, string> = {};
  for (const [name, value] of Object.entries(changes)) if (value !== null) added[name] = value;
  return checkHeaders({ ...merged, ...checkHeaders(added) });
}

/**
 * EndpointHeadersOut: credentials are not shown back. A header is sensitive when
 * `isSensitiveHeader` (core/sensitive-headers.ts) says so: authorization, proxy-authorization,
 * cookie, set-cookie, x-api-key, and any name containing token, secret, api-key/apikey, password
 * or signature. Their names are listed in `sensitive`, their values left out of `headers`.
 */
export function splitSensitive(headers: Record<string, string>): {
  headers: Record<string, string>;
  sensitive: string[];
} {
  const shown: Record<string, string> = {};
  const sensitive: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (isSensitiveHeader(name)) sensitive.push(name);
    else shown[name] = value;
  }
  return { headers: shown, sensitive };
}
