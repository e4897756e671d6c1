import type { VerifiableRequest } from './types.js';

/**
 * Reading the parts of a received request a verifier needs, without ever throwing: a missing
 * header is `undefined`, a body that is not JSON or not a form is `undefined`.
 */

/** The first value of the first of `names` present (case-insensitive), or undefined. */
export function headerValue(request: VerifiableRequest, names: string | readonly string[]): string | undefined {
  for (const name of typeof names === 'string' ? [names] : names) {
    const wanted = name.toLowerCase();
    for (const [key, value] of request.headers) if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The body as UTF-8 text (invalid sequences become U+FFFD; only used where text is parsed). */
export function bodyText(request: VerifiableRequest): string {
  return Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength).toString('utf8');
}

/** The body parsed as JSON, or undefined if it is not JSON. */
export function jsonBody(request: VerifiableRequest): unknown {
  try {
    return JSON.parse(bodyText(request));
  } catch {
    return undefined;
  }
}

/** A field of a JSON value by a dotted path (`event-data.id`); undefined if absent. */
export function jsonField(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Whether the request says its body is `application/x-www-form-urlencoded`. */
export function isFormBody(request: VerifiableRequest): boolean {
  return (headerValue(request, 'content-type') ?? '').toLowerCase().includes('application/x-www-form-urlencoded');
}

/** The body's form fields, each name with all its values, in arrival order. */
export function formFields(request: VerifiableRequest): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(bodyText(request))) {
    const values = fields.get(name);
    if (values) values.push(value);
    else fields.set(name, [value]);
  }
  return fields;
}
