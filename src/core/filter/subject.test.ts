import { describe, expect, it } from 'vitest';
import { formatQuery, parseBody, toRequestSubject } from './subject.js';

const raw = (headers: [string, string][], body: string, path = '/x/y?a=1&b=2&a=3') =>
  toRequestSubject({ method: 'POST', path, headers, body: Buffer.from(body) });

describe('toRequestSubject', () => {
  it('splits the query off the path, lower-cases header names and joins repeated ones', () => {
    const s = raw(
      [
        ['X-Tag', 'one'],
        ['Content-Type', 'application/json'],
        ['x-tag', 'two'],
      ],
      '{"a":1}',
    );
    expect(s).toEqual({
      method: 'POST',
      path: '/x/y',
      query: { a: ['1', '3'], b: '2' },
      headers: { 'x-tag': 'one, two', 'content-type': 'application/json' },
      body: { a: 1 },
    });
    expect(raw([], '', '').path).toBe('');
    expect(raw([], '', '?q=1')).toMatchObject({ path: '', query: { q: '1' }, body: null });
  });

  it('parses bodies by content type', () => {
    const json = [['content-type', 'application/json; charset=utf-8']] as [string, string][];
    expect(raw(json, '42').body).toBe(42);
    expect(raw(json, 'not json').body).toBe('not json');
    expect(raw([['content-type', 'application/vnd.api+json']], '[1]').body).toEqual([1]);
    expect(raw([['content-type', 'text/plain']], '{"Type":"Notification"}').body).toEqual({ Type: 'Notification' });
    expect(raw([['content-type', 'text/plain']], '42').body).toBe('42');
    expect(raw([], '{"a":').body).toBe('{"a":');
    const form = [['content-type', 'application/x-www-form-urlencoded']] as [string, string][];
    expect(raw(form, 'a=1&b=x+y&a=2').body).toEqual({ a: ['1', '2'], b: 'x y' });
    expect(parseBody('text/plain', new Uint8Array(0))).toBeNull();
    expect(parseBody(undefined, Buffer.from('héllo'))).toBe('héllo');
  });

  it('keeps __proto__ as ordinary data in JSON, forms and queries', () => {
    const json = raw([['content-type', 'application/json']], '{"__proto__":{"admin":true},"a":1}').body as object;
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.keys(json)).toEqual(['__proto__', 'a']);
    expect((json as { admin?: boolean }).admin).toBeUndefined();
    const form = [['content-type', 'application/x-www-form-urlencoded']] as [string, string][];
    const fields = raw(form, '__proto__=x&constructor=y').body as object;
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.keys(fields)).toEqual(['__proto__', 'constructor']);
    const s = raw([['__proto__', 'h']], '', '/p?__proto__=1&__proto__=2');
    expect(Object.keys(s.query)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(s.query, '__proto__')?.value).toEqual(['1', '2']);
    expect(Object.getOwnPropertyDescriptor(s.headers, '__proto__')?.value).toBe('h');
    expect(({} as { admin?: boolean }).admin).toBeUndefined();
  });

  it('formatQuery writes query fields back, repeated names in order', () => {
    expect(formatQuery({ a: ['1', '3'], b: 'x y' })).toBe('?a=1&a=3&b=x+y');
    expect(formatQuery({})).toBe('');
  });
});
