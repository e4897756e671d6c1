import { defineOwn, formatQuery, type QueryFields } from '../filter/subject.js';
import { isPlainObject } from '../filter/json-match.js';

/** The request a transform produced, ready to forward. */
export interface TransformedRequest {
  /** An HTTP token (RFC 9110 §9.1), as returned. */
  method: string;
  /** `''` or `'/x/y'`: the sub-path appended to the destination, without a query. */
  path: string;
  /** The query to send (`formatQuery` writes it); `{}` when the transform dropped it. */
  query: QueryFields;
  /** Lower-case names. May still hold the received `content-length`: the sender recomputes it. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * What one run of a transform gave:
 * - `request`: forward this request;
 * - `drop`: the transform returned `null`, the event goes nowhere (not an error);
 * - `error`: it threw, broke a limit or returned something that is not a request; `error` says
 *   what for a person (`"TypeError: x is undefined (line 3)"`, `"transform exceeded 1000 ms"`).
 */
export type TransformOutcome =
  | { kind: 'request'; request: TransformedRequest }
  | { kind: 'drop' }
  | { kind: 'error'; error: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[^\r\n\0]*$/;
const PATH = /^(\/[^\s?#\p{Cc}]*)?$/u;
const MAX_METHOD_LENGTH = 32;

class OutputError extends Error {}

/**
 * Validates what the transform returned (as JSON text, serialized inside the sandbox) and turns
 * it into an outcome. A body that is an object, array, number or boolean is JSON-serialized and
 * given `content-type: application/json` when it has no content type; under
 * `application/x-www-form-urlencoded`, an object of string (or string array) fields is
 * form-encoded instead, so a form request passed through unchanged stays a form. A string body is
 * sent as UTF-8; `null` or no body sends none.
 */
export function toTransformOutcome(returned: string): TransformOutcome {
  if (returned === 'null') return { kind: 'drop' };
  if (returned === 'undefined') {
    return { kind: 'error', error: 'transform returned undefined: return the request, or null to drop the event' };
  }
  try {
    const parsed: unknown = JSON.parse(returned);
    const out = isPlainObject(parsed) ? parsed.r : undefined;
    if (!isPlainObject(out))
      throw new OutputError(`transform must return the request object or null (got ${kind(out)})`);
    const headers = toHeaders(out.headers);
    return {
      kind: 'request',
      request: {
        method: toMethod(out.method),
        path: toPath(out.path),
        query: toQuery(out.query),
        headers,
        body: toBody(out.body, headers),
      },
    };
  } catch (err) {
    if (err instanceof OutputError) return { kind: 'error', error: err.message };
    return { kind: 'error', error: 'transform returned something that is not JSON' };
  }
}

function toMethod(method: unknown): string {
  if (typeof method !== 'string' || method.length > MAX_METHOD_LENGTH || !TOKEN.test(method)) {
    throw new OutputError(`request.method must be an HTTP method token (got ${kind(method)})`);
  }
  return method;
}

function toPath(path: unknown): string {
  if (typeof path !== 'string' || !PATH.test(path)) {
    throw new OutputError(
      `request.path must be '' or start with '/', with no spaces, control characters, '?' or '#' (put the query in request.query) (got ${kind(path)})`,
    );
  }
  return path;
}

function toQuery(query: unknown): QueryFields {
  const fields: QueryFields = {};
  if (query === undefined || query === null) return fields;
  if (!isPlainObject(query)) throw new OutputError(`request.query must be an object (got ${kind(query)})`);
  for (const [name, value] of Object.entries(query)) {
    const ok = typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) throw new OutputError(`request.query[${JSON.stringify(name)}] must be a string or an array of strings`);
    defineOwn(fields, name, value);
  }
  return fields;
}

function toHeaders(headers: unknown): Record<string, string> {
  if (!isPlainObject(headers)) throw new OutputError(`request.headers must be an object (got ${kind(headers)})`);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new OutputError(`request.headers: ${JSON.stringify(name)} is not a header name`);
    if (typeof value !== 'string' || !FIELD_VALUE.test(value)) {
      throw new OutputError(
        `request.headers[${JSON.stringify(name)}] must be a string without line breaks (got ${kind(value)})`,
      );
    }
    defineOwn(out, name.toLowerCase(), value);
  }
  return out;
}

function toBody(body: unknown, headers: Record<string, string>): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  const type = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' && isFormFields(body)) {
    return Buffer.from(formatQuery(body).slice(1), 'utf8');
  }
  if (type === '') defineOwn(headers, 'content-type', 'application/json');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function isFormFields(body: unknown): body is QueryFields {
  return (
    isPlainObject(body) &&
    Object.values(body).every(
      (v) => typeof v === 'string' || (Array.isArray(v) && v.every((e) => typeof e === 'string')),
    )
  );
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}
