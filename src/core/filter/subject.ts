/**
 * The request as filters and transforms see it: a received webhook with its body parsed.
 *
 * Every object built here gets its keys as own data properties (`defineOwn`), never by
 * assignment: a field named `__proto__` (in a query, a form or a JSON body) stays ordinary data
 * and cannot change an object's prototype.
 */

/** Query or form fields: a repeated name gives an array of its values in order. */
export type QueryFields = Record<string, string | string[]>;

/** A received request, parsed for matching and transforming. */
export interface RequestSubject {
  /** The HTTP method as received (upper-case for every real client). */
  method: string;
  /** The sub-path after the source, without the query: `''` or `'/x/y'`. */
  path: string;
  query: QueryFields;
  /** Lower-case names; a repeated header's values joined with `', '` (RFC 9110 §5.3). */
  headers: Record<string, string>;
  /**
   * Parsed JSON when the body is JSON, the fields of an `application/x-www-form-urlencoded` body,
   * else the body as UTF-8 text; `null` when the body is empty. See {@link parseBody}.
   */
  body: unknown;
}

/** A received request as stored: the path may carry a query, headers in arrival order. */
export interface RawRequest {
  method: string;
  /** The sub-path after the source, with its query if any (`/x?a=1`). */
  path: string;
  headers: readonly (readonly [name: string, value: string])[];
  body: Uint8Array;
}

/** Builds the subject of a received request. Never throws. */
export function toRequestSubject(raw: RawRequest): RequestSubject {
  const q = raw.path.indexOf('?');
  const path = q === -1 ? raw.path : raw.path.slice(0, q);
  const query = parseQuery(q === -1 ? '' : raw.path.slice(q + 1));
  const headers: Record<string, string> = {};
  for (const [name, value] of raw.headers) {
    const key = name.toLowerCase();
    defineOwn(headers, key, Object.hasOwn(headers, key) ? `${headers[key]}, ${value}` : value);
  }
  return { method: raw.method, path, query, headers, body: parseBody(headers['content-type'], raw.body) };
}

/**
 * Parses a body by its content type:
 * - empty → `null`;
 * - `application/x-www-form-urlencoded` → its fields (as {@link parseQuery});
 * - a JSON type (`application/json`, `*+json`) → the JSON value when it parses, else the text;
 * - any other type → the JSON value when the text is a JSON object or array, else the text.
 *   Some providers send JSON as `text/plain` (AWS SNS does); a bare `42` or `"x"` in a text body
 *   stays text, since only JSON types are taken to mean a JSON scalar.
 *
 * `JSON.parse` is safe here: it creates members with CreateDataProperty, so `"__proto__"` is kept
 * as an own member and never sets the prototype (ECMA-262 §25.5.1.1 InternalizeJSONProperty is not
 * involved without a reviver). A reviver is avoided on purpose: it recurses per nesting level.
 */
export function parseBody(contentType: string | undefined, body: Uint8Array): unknown {
  if (body.byteLength === 0) return null;
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return parseQuery(text);
  const isJsonType = type === 'application/json' || type.endsWith('+json');
  const first = text.trimStart()[0];
  if (!isJsonType && first !== '{' && first !== '[') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Parses `a=1&b=2&a=3` (no leading `?`) into `{a: ['1', '3'], b: '2'}`; `+` is a space. */
export function parseQuery(search: string): QueryFields {
  const fields: QueryFields = {};
  for (const [name, value] of new URLSearchParams(search)) {
    const prev = Object.hasOwn(fields, name) ? fields[name] : undefined;
    defineOwn(fields, name, prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]);
  }
  return fields;
}

/** Formats query fields back into a search string with its `?`, or `''` when there are none. */
export function formatQuery(query: QueryFields): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  }
  const search = params.toString();
  return search === '' ? '' : `?${search}`;
}

/** Sets `obj[key] = value` as an own, enumerable data property, even for `__proto__`. */
export function defineOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
