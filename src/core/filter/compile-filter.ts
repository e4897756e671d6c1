import { ValidationError } from '../errors.js';
import { type CheckLiteral, KNOWN_OPERATORS, OPERATOR_ALIASES, OPERATORS } from './filter-operators.js';
import { equalsOrContains, isPlainObject, type Match, matchPath } from './json-match.js';
import type { RequestSubject } from './subject.js';

/**
 * The filter language: MongoDB-like queries over a request's `{body, headers, query, path,
 * method}`, shaped like Hookdeck's connection filters:
 *
 * ```json
 * {"body": {"type": "order.created", "data.amount": {"$gte": 100}},
 *  "headers": {"x-shop": {"$in": ["a", "b"]}},
 *  "$or": [{"method": "POST"}, {"query": {"force": "1"}}]}
 * ```
 *
 * Rules (a *pattern* is what stands for a field's value):
 * - A literal (string, number, boolean, null, array) means equality; against an array value it
 *   also matches an element that equals (MongoDB). `null` equals `null` only: a missing field is
 *   `{"$exists": false}`.
 * - An object whose keys are field names matches when every named field matches its pattern, so
 *   it names a subset of the value's keys. In `body`, `"a.b"` is the path `a` → `b`; through an
 *   array, a numeric step picks an element and any other step goes into every object element,
 *   matching when one does. `headers` names are case-insensitive. `query` and `headers` names
 *   are taken literally (a dot is part of the name).
 * - An object whose keys are operators applies them all: `$eq $neq ($ne) $gt $gte $lt $lte $in
 *   $nin $exists $regex ($options: flags of i, m, s, u)`. `$gt`… compare numbers with numbers and
 *   strings with strings, never coercing. Field names and these operators do not mix.
 * - `$and`, `$or` (non-empty arrays of patterns) and `$not` (a pattern) apply to the same value;
 *   at the top level they take whole filters.
 * - Fields are only ever read as own properties, so `{"constructor": {"$exists": true}}` does not
 *   match every object.
 *
 * Errors name the path: `filter.body.amount: unknown operator $gtx (known: $eq, ...)`.
 */
export type FilterPredicate = (subject: RequestSubject) => boolean;

/** Bounds on a filter's shape, checked at compile time. */
export interface FilterLimits {
  /** Nesting levels of objects and arrays, the top-level object being 1. */
  maxDepth: number;
  /** Objects, arrays and values in the whole filter (a `$in` of 100 strings counts 101). */
  maxNodes: number;
  /** Characters in one `$regex`. */
  maxRegexLength: number;
}

export const FILTER_LIMITS: FilterLimits = { maxDepth: 32, maxNodes: 5000, maxRegexLength: 512 };

const SUBJECT_FIELDS = ['body', 'headers', 'query', 'path', 'method'] as const;
type SubjectField = (typeof SUBJECT_FIELDS)[number];

/** How an object pattern's field names are read at one level. */
type KeyMode = 'dotted' | 'lower-case' | 'literal';

/**
 * Validates a filter and compiles it into a predicate. The predicate never throws.
 * @throws ValidationError whose detail (and `field`) names the path and the problem.
 */
export function compileFilter(filter: unknown, limits: FilterLimits = FILTER_LIMITS): FilterPredicate {
  return new FilterCompiler(limits).compileTop(filter, 'filter', 1);
}

class FilterCompiler {
  private nodes = 0;

  constructor(private readonly limits: FilterLimits) {}

  compileTop(filter: unknown, path: string, depth: number): FilterPredicate {
    this.enter(path, depth);
    if (!isPlainObject(filter)) return this.fail(path, 'must be an object');
    const parts: FilterPredicate[] = [];
    for (const [key, value] of Object.entries(filter)) {
      const at = join(path, key);
      if ((SUBJECT_FIELDS as readonly string[]).includes(key)) {
        const field = key as SubjectField;
        const mode: KeyMode = field === 'body' ? 'dotted' : field === 'headers' ? 'lower-case' : 'literal';
        const match = this.compilePattern(value, at, depth + 1, mode);
        parts.push((s) => match(s[field]));
      } else if (key === '$and' || key === '$or') {
        const all = this.list(value, at, depth).map((f, i) => this.compileTop(f, `${at}[${i}]`, depth + 2));
        parts.push(key === '$and' ? (s) => all.every((p) => p(s)) : (s) => all.some((p) => p(s)));
      } else if (key === '$not') {
        const inner = this.compileTop(value, at, depth + 1);
        parts.push((s) => !inner(s));
      } else if (key.startsWith('$')) {
        this.fail(at, `unknown operator ${key} at the top level (known: $and, $or, $not)`);
      } else {
        this.fail(at, `unknown field ${key} (known: ${SUBJECT_FIELDS.join(', ')})`);
      }
    }
    return (s) => parts.every((p) => p(s));
  }

  private compilePattern(pattern: unknown, path: string, depth: number, mode: KeyMode): Match {
    if (!isPlainObject(pattern)) {
      this.checkLiteral(pattern, path, depth);
      return (value) => equalsOrContains(value, pattern);
    }
    this.enter(path, depth);
    const fields: { segments: string[]; match: Match }[] = [];
    const checks: Match[] = [];
    const entries = Object.entries(pattern);
    for (const [rawKey, operand] of entries) {
      const at = join(path, rawKey);
      if (!rawKey.startsWith('$')) {
        const key = mode === 'lower-case' ? rawKey.toLowerCase() : rawKey;
        const segments = mode === 'dotted' ? key.split('.') : [key];
        if (segments.includes('')) this.fail(at, 'a field path has an empty step');
        fields.push({ segments, match: this.compilePattern(operand, at, depth + 1, nextMode(mode)) });
      } else if (rawKey === '$and' || rawKey === '$or') {
        const all = this.list(operand, at, depth).map((p, i) => this.compilePattern(p, `${at}[${i}]`, depth + 2, mode));
        checks.push(rawKey === '$and' ? (v) => all.every((m) => m(v)) : (v) => all.some((m) => m(v)));
      } else if (rawKey === '$not') {
        const inner = this.compilePattern(operand, at, depth + 1, mode);
        checks.push((v) => !inner(v));
      } else if (rawKey === '$options') {
        if (!Object.hasOwn(pattern, '$regex')) this.fail(at, 'needs a $regex beside it');
      } else {
        const name = OPERATOR_ALIASES[rawKey] ?? rawKey;
        const compile = Object.hasOwn(OPERATORS, name) ? OPERATORS[name] : undefined;
        if (!compile) this.fail(path, `unknown operator ${rawKey} (known: ${KNOWN_OPERATORS.join(', ')})`);
        checks.push(compile({ ...this.literalContext(operand, at, depth + 1), options: pattern.$options }));
      }
    }
    const operator = entries.find(([k]) => k.startsWith('$') && !['$and', '$or', '$not'].includes(k));
    if (operator && fields.length > 0) {
      this.fail(
        path,
        `cannot mix operators (${operator[0]}) with field names (${entries.find(([k]) => !k.startsWith('$'))?.[0]})`,
      );
    }
    return (value) => fields.every((f) => matchPath(value, f.segments, f.match)) && checks.every((m) => m(value));
  }

  private literalContext(operand: unknown, path: string, depth = 0) {
    const checkLiteral: CheckLiteral = (value, at) => this.checkLiteral(value, at, depth);
    return {
      operand,
      options: undefined,
      path,
      fail: (problem: string) => this.fail(path, problem),
      checkLiteral,
      maxRegexLength: this.limits.maxRegexLength,
    };
  }

  /** Checks that `value` is JSON (plain objects, arrays, finite numbers...) within the limits. */
  private checkLiteral(value: unknown, path: string, depth: number): void {
    this.enter(path, depth);
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.fail(path, 'must be a finite number');
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        this.checkLiteral(v, `${path}[${i}]`, depth + 1);
      });
      return;
    }
    if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) this.checkLiteral(v, join(path, k), depth + 1);
      return;
    }
    this.fail(path, `must be a JSON value (got ${value === undefined ? 'undefined' : typeof value})`);
  }

  private list(value: unknown, path: string, depth: number): unknown[] {
    if (!Array.isArray(value) || value.length === 0) this.fail(path, 'must be a non-empty array of filters');
    this.enter(path, depth + 1);
    return value;
  }

  /** Counts a node and checks the depth; called once per object, array or value. */
  private enter(path: string, depth: number): void {
    if (depth > this.limits.maxDepth) this.fail(path, `is nested deeper than ${this.limits.maxDepth} levels`);
    this.nodes += 1;
    if (this.nodes > this.limits.maxNodes) {
      this.fail(path, `the filter has more than ${this.limits.maxNodes} values and operators`);
    }
  }

  private fail(path: string, problem: string): never {
    throw new ValidationError(`${path}: ${problem}`, path);
  }
}

/** Below `headers`' first level, names are no longer header names. */
function nextMode(mode: KeyMode): KeyMode {
  return mode === 'lower-case' ? 'literal' : mode;
}

const PLAIN_KEY = /^[\w$.-]+$/;

function join(path: string, key: string): string {
  return PLAIN_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
