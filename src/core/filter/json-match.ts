/**
 * Comparisons of a subject's values (any JSON, or `undefined` for a missing field) with a
 * filter's literal values (validated JSON). They never throw and recurse only as deep as the
 * filter's literal, which the compiler bounds.
 */

/** A field's value in a subject: `undefined` when the field is missing. */
export type Match = (value: unknown) => boolean;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `value[key]` when `key` is an own property, else `undefined` (never an inherited `constructor`). */
export function getOwn(value: object, key: string): unknown {
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** Deep equality of JSON values; object members compare regardless of order. */
export function jsonEqual(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null) return false;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) && actual.length === expected.length && expected.every((x, i) => jsonEqual(actual[i], x))
    );
  }
  if (Array.isArray(actual)) return false;
  const keys = Object.keys(expected);
  if (Object.keys(actual).length !== keys.length) return false;
  return keys.every((k) => Object.hasOwn(actual, k) && jsonEqual(getOwn(actual, k), getOwn(expected, k)));
}

/** MongoDB's equality: the value equals, or it is an array with an element that equals. */
export function equalsOrContains(actual: unknown, expected: unknown): boolean {
  return jsonEqual(actual, expected) || (Array.isArray(actual) && actual.some((e) => jsonEqual(e, expected)));
}

/** `test(value)`, or for an array, `test` of any element (MongoDB's rule for arrays). */
export function anyElement(value: unknown, test: (v: unknown) => boolean): boolean {
  return Array.isArray(value) ? value.some(test) : test(value);
}

const ARRAY_INDEX = /^(0|[1-9]\d{0,8})$/;

/**
 * Follows `segments` from `value` and tests what it reaches (`undefined` when a step is missing).
 * Through an array, a numeric segment picks an element and any other segment is followed into
 * every object element, matching when one of them does (MongoDB's dotted paths).
 */
export function matchPath(value: unknown, segments: readonly string[], match: Match, from = 0): boolean {
  if (from === segments.length) return match(value);
  const segment = segments[from];
  if (Array.isArray(value)) {
    if (ARRAY_INDEX.test(segment) && matchPath(value[Number(segment)], segments, match, from + 1)) return true;
    return value.some((e) => isPlainObject(e) && matchPath(e, segments, match, from));
  }
  const next = isPlainObject(value) ? getOwn(value, segment) : undefined;
  return matchPath(next, segments, match, from + 1);
}
