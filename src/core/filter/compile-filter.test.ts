import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { compileFilter, FILTER_LIMITS } from './compile-filter.js';
import { type RequestSubject, toRequestSubject } from './subject.js';

const order = {
  type: 'order.created',
  data: {
    amount: 150,
    currency: 'EUR',
    tags: ['vip', 'eu'],
    items: [
      { sku: 'A1', qty: 2 },
      { sku: 'B2', qty: 1 },
    ],
    note: null,
  },
};

function subject(over: Partial<RequestSubject> = {}): RequestSubject {
  return {
    method: 'POST',
    path: '/shop/orders',
    query: { tag: ['x', 'y'], page: '2' },
    headers: { 'x-shop': 'a', 'content-type': 'application/json' },
    body: order,
    ...over,
  };
}

const matches = (filter: unknown, s: RequestSubject = subject()) => compileFilter(filter)(s);

describe('compileFilter: every operator, matching and not', () => {
  // [operator, filter on body.data.amount (150) or other fields, expected]
  const cases: [string, unknown, boolean][] = [
    ['literal', { body: { data: { amount: 150 } } }, true],
    ['literal', { body: { data: { amount: 151 } } }, false],
    ['$eq', { body: { data: { amount: { $eq: 150 } } } }, true],
    ['$eq', { body: { data: { amount: { $eq: '150' } } } }, false],
    ['$eq object', { body: { data: { items: { $eq: { sku: 'B2', qty: 1 } } } } }, true],
    ['$eq object', { body: { data: { items: { $eq: { sku: 'B2' } } } } }, false],
    ['$neq', { body: { data: { amount: { $neq: 100 } } } }, true],
    ['$neq', { body: { data: { amount: { $neq: 150 } } } }, false],
    ['$ne', { body: { data: { currency: { $ne: 'USD' } } } }, true],
    ['$ne', { body: { data: { currency: { $ne: 'EUR' } } } }, false],
    ['$gt', { body: { data: { amount: { $gt: 149 } } } }, true],
    ['$gt', { body: { data: { amount: { $gt: 150 } } } }, false],
    ['$gte', { body: { data: { amount: { $gte: 150 } } } }, true],
    ['$gte', { body: { data: { amount: { $gte: 151 } } } }, false],
    ['$lt', { body: { data: { amount: { $lt: 151 } } } }, true],
    ['$lt', { body: { data: { amount: { $lt: 150 } } } }, false],
    ['$lte', { body: { data: { amount: { $lte: 150 } } } }, true],
    ['$lte', { body: { data: { amount: { $lte: 149.5 } } } }, false],
    ['$gt string', { body: { data: { currency: { $gt: 'EA' } } } }, true],
    ['$lt string', { body: { data: { currency: { $lt: 'EA' } } } }, false],
    ['no coercion', { body: { data: { amount: { $gt: '100' } } } }, false],
    ['no coercion', { body: { data: { currency: { $gt: 1 } } } }, false],
    ['$in', { body: { data: { currency: { $in: ['USD', 'EUR'] } } } }, true],
    ['$in', { body: { data: { currency: { $in: ['USD', 'GBP'] } } } }, false],
    ['$nin', { body: { data: { currency: { $nin: ['USD', 'GBP'] } } } }, true],
    ['$nin', { body: { data: { currency: { $nin: ['EUR'] } } } }, false],
    ['$exists', { body: { data: { note: { $exists: true } } } }, true],
    ['$exists', { body: { data: { missing: { $exists: true } } } }, false],
    ['$exists false', { body: { data: { missing: { $exists: false } } } }, true],
    ['$exists false', { body: { data: { amount: { $exists: false } } } }, false],
    ['null literal', { body: { data: { note: null } } }, true],
    ['null literal not missing', { body: { data: { missing: null } } }, false],
    ['$regex', { body: { type: { $regex: '^order\\.' } } }, true],
    ['$regex', { body: { type: { $regex: '^ORDER\\.' } } }, false],
    ['$regex $options', { body: { type: { $regex: '^ORDER\\.', $options: 'i' } } }, true],
    ['$regex non-string', { body: { data: { amount: { $regex: '150' } } } }, false],
    ['$and', { body: { $and: [{ type: 'order.created' }, { data: { amount: { $gt: 100 } } }] } }, true],
    ['$and', { body: { $and: [{ type: 'order.created' }, { data: { amount: { $gt: 200 } } }] } }, false],
    ['$or', { body: { $or: [{ type: 'x' }, { data: { currency: 'EUR' } }] } }, true],
    ['$or', { body: { $or: [{ type: 'x' }, { data: { currency: 'USD' } }] } }, false],
    ['$not', { body: { data: { amount: { $not: { $gt: 200 } } } } }, true],
    ['$not', { body: { data: { amount: { $not: { $gt: 100 } } } } }, false],
    ['ops together', { body: { data: { amount: { $gt: 100, $lt: 200 } } } }, true],
    ['ops together', { body: { data: { amount: { $gt: 100, $lt: 120 } } } }, false],
    ['top $and', { $and: [{ method: 'POST' }, { path: '/shop/orders' }] }, true],
    ['top $and', { $and: [{ method: 'POST' }, { path: '/other' }] }, false],
    ['top $or', { $or: [{ method: 'GET' }, { query: { page: '2' } }] }, true],
    ['top $or', { $or: [{ method: 'GET' }, { query: { page: '3' } }] }, false],
    ['top $not', { $not: { method: 'GET' } }, true],
    ['top $not', { $not: { method: 'POST' } }, false],
    ['empty filter', {}, true],
  ];
  it.each(cases)('%s: %j → %s', (_name, filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });
});

describe('compileFilter: shapes', () => {
  it('an object pattern matches a subset of the keys, nested', () => {
    expect(matches({ body: { type: 'order.created', data: { currency: 'EUR' } } })).toBe(true);
    expect(matches({ body: { type: 'order.created', data: { currency: 'EUR', extra: 1 } } })).toBe(false);
  });

  it('dotted paths in body, through objects, array indexes and arrays of objects', () => {
    expect(matches({ body: { 'data.amount': { $gte: 100 } } })).toBe(true);
    expect(matches({ body: { 'data.amount': { $gte: 1000 } } })).toBe(false);
    expect(matches({ body: { 'data.items.1.sku': 'B2' } })).toBe(true);
    expect(matches({ body: { 'data.items.0.sku': 'B2' } })).toBe(false);
    expect(matches({ body: { 'data.items.sku': 'B2' } })).toBe(true);
    expect(matches({ body: { 'data.items.sku': 'C3' } })).toBe(false);
    expect(matches({ body: { data: { 'items.qty': { $gt: 1 } } } })).toBe(true);
    expect(matches({ body: { data: { 'items.qty': { $gt: 2 } } } })).toBe(false);
  });

  it('an array field matches when any element matches; an array literal matches the whole array', () => {
    expect(matches({ body: { data: { tags: 'vip' } } })).toBe(true);
    expect(matches({ body: { data: { tags: 'us' } } })).toBe(false);
    expect(matches({ body: { data: { tags: ['vip', 'eu'] } } })).toBe(true);
    expect(matches({ body: { data: { tags: ['eu', 'vip'] } } })).toBe(false);
    expect(matches({ body: { data: { tags: { $in: ['us', 'eu'] } } } })).toBe(true);
    expect(matches({ body: { data: { tags: { $nin: ['vip'] } } } })).toBe(false);
    expect(matches({ body: { data: { tags: { $regex: '^e' } } } })).toBe(true);
    expect(matches({ query: { tag: 'y' } })).toBe(true);
    expect(matches({ query: { tag: 'z' } })).toBe(false);
  });

  it('header names are case-insensitive, their values are not', () => {
    expect(matches({ headers: { 'X-Shop': 'a' } })).toBe(true);
    expect(matches({ headers: { 'X-SHOP': { $in: ['a', 'b'] } } })).toBe(true);
    expect(matches({ headers: { 'x-shop': 'A' } })).toBe(false);
    expect(matches({ headers: { $or: [{ 'X-Other': 'a' }, { 'X-Shop': 'a' }] } })).toBe(true);
    expect(matches({ headers: { 'X-Missing': { $exists: true } } })).toBe(false);
  });

  it('matches the example of the spec on a request built from raw parts', () => {
    const filter = {
      body: { type: 'order.created', data: { amount: { $gte: 100 } } },
      headers: { 'x-shop': { $in: ['a', 'b'] } },
    };
    const raw = (amount: number, shop: string) =>
      toRequestSubject({
        method: 'POST',
        path: '/orders?x=1',
        headers: [
          ['Content-Type', 'application/json'],
          ['X-Shop', shop],
        ],
        body: Buffer.from(JSON.stringify({ type: 'order.created', data: { amount } })),
      });
    const predicate = compileFilter(filter);
    expect(predicate(raw(100, 'b'))).toBe(true);
    expect(predicate(raw(99, 'b'))).toBe(false);
    expect(predicate(raw(100, 'c'))).toBe(false);
  });

  it('reads only own properties: inherited names are missing', () => {
    expect(matches({ body: { constructor: { $exists: true } } })).toBe(false);
    expect(matches({ body: { 'data.toString': { $exists: true } } })).toBe(false);
    const polluted = JSON.parse('{"__proto__": {"admin": true}}');
    expect(matches(JSON.parse('{"body": {"__proto__": {"admin": true}}}'), subject({ body: polluted }))).toBe(true);
    expect(matches(JSON.parse('{"body": {"admin": true}}'), subject({ body: polluted }))).toBe(false);
  });

  it('path, method and a string body match as strings', () => {
    expect(matches({ path: { $regex: '^/shop/' }, method: { $in: ['POST', 'PUT'] } })).toBe(true);
    expect(matches({ body: { $regex: 'hello' } }, subject({ body: 'say hello' }))).toBe(true);
    expect(matches({ body: { type: { $exists: true } } }, subject({ body: 'text' }))).toBe(false);
    expect(matches({ body: null }, subject({ body: null }))).toBe(true);
  });

  it('the compiled regex keeps no state between subjects', () => {
    const predicate = compileFilter({ body: { type: { $regex: 'order' } } });
    expect([predicate(subject()), predicate(subject()), predicate(subject())]).toEqual([true, true, true]);
  });
});

describe('compileFilter: malformed filters are refused with the path and the problem', () => {
  const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
  const cases: [unknown, string][] = [
    [null, 'filter: must be an object'],
    [[], 'filter: must be an object'],
    ['body', 'filter: must be an object'],
    [{ bodyy: {} }, 'filter.bodyy: unknown field bodyy (known: body, headers, query, path, method)'],
    [{ $nor: [] }, 'filter.$nor: unknown operator $nor at the top level (known: $and, $or, $not)'],
    [{ body: { amount: { $gtx: 1 } } }, 'filter.body.amount: unknown operator $gtx (known: $eq, $neq, $gt, $gte'],
    [{ $and: {} }, 'filter.$and: must be a non-empty array of filters'],
    [{ $or: [] }, 'filter.$or: must be a non-empty array of filters'],
    [{ $and: [{ bogus: 1 }] }, 'filter.$and[0].bogus: unknown field bogus'],
    [{ body: { $or: 'x' } }, 'filter.body.$or: must be a non-empty array of filters'],
    [{ body: { a: { $gt: true } } }, 'filter.body.a.$gt: must be a number or a string'],
    [{ body: { a: { $lte: null } } }, 'filter.body.a.$lte: must be a number or a string'],
    [{ body: { a: { $in: 'x' } } }, 'filter.body.a.$in: must be an array of values'],
    [{ body: { a: { $nin: {} } } }, 'filter.body.a.$nin: must be an array of values'],
    [{ body: { a: { $exists: 1 } } }, 'filter.body.a.$exists: must be true or false'],
    [{ body: { a: { $regex: 5 } } }, 'filter.body.a.$regex: must be a string'],
    [{ body: { a: { $regex: '(' } } }, 'filter.body.a.$regex: is not a valid regular expression: Invalid regular'],
    [{ body: { a: { $regex: '(a+)+$' } } }, 'filter.body.a.$regex: is refused as possibly slow'],
    [{ body: { a: { $regex: 'a'.repeat(513) } } }, 'filter.body.a.$regex: is longer than 512 characters'],
    [{ body: { a: { $regex: 'a', $options: 'g' } } }, 'filter.body.a.$regex: has invalid $options'],
    [{ body: { a: { $regex: 'a', $options: 'ii' } } }, 'filter.body.a.$regex: has invalid $options'],
    [{ body: { a: { $options: 'i' } } }, 'filter.body.a.$options: needs a $regex beside it'],
    [{ body: { a: { $gt: 1, b: 2 } } }, 'filter.body.a: cannot mix operators ($gt) with field names (b)'],
    [{ body: { 'a..b': 1 } }, 'filter.body.a..b: a field path has an empty step'],
    [{ body: { a: Number.NaN } }, 'filter.body.a: must be a finite number'],
    [{ body: { a: { $eq: [1, undefined] } } }, 'filter.body.a.$eq[1]: must be a JSON value (got undefined)'],
    [{ body: { a: () => 1 } }, 'filter.body.a: must be a JSON value (got function)'],
    [{ body: { a: new Date(0) } }, 'filter.body.a: must be a JSON value (got object)'],
    [{ body: deep(40) }, 'is nested deeper than 32 levels'],
    [{ body: { a: { $in: Array.from({ length: 6000 }, (_, i) => i) } } }, 'the filter has more than 5000 values'],
    [{ 'weird key': 1 }, 'filter["weird key"]: unknown field weird key'],
  ];
  it.each(cases.map(([filter, message]) => [message, filter]))('%s', (message, filter) => {
    let error: unknown;
    try {
      compileFilter(filter);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('validation');
    expect((error as ValidationError).message).toContain(message as string);
  });

  it('a cyclic object is refused by the depth limit, not a stack overflow', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.a = cyclic;
    expect(() => compileFilter({ body: cyclic })).toThrow(/nested deeper than 32 levels/);
  });

  it('limits can be set', () => {
    expect(() => compileFilter({ body: { a: { b: 1 } } }, { ...FILTER_LIMITS, maxDepth: 3 })).toThrow(
      'filter.body.a.b: is nested deeper than 3 levels',
    );
    expect(compileFilter({ body: { a: { b: 1 } } }, { ...FILTER_LIMITS, maxDepth: 4 })(subject())).toBe(false);
  });
});
