import { describe, expect, it } from 'vitest';
import { checkJsonText, elementText, indentJsonText, memberText, withMemberText } from './json-text.js';

describe('checkJsonText', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it('counts brackets and braces outside strings only', () => {
    expect(checkJsonText(nested(3), 3)).toBeNull();
    expect(checkJsonText(nested(4), 3)).toMatch(/nested deeper than 3 levels/);
    expect(checkJsonText('{"a":{"b":{"c":1}}}', 2)).toMatch(/nested/);
    expect(checkJsonText(`{"a":"${'['.repeat(50)}"}`, 2)).toBeNull();
    expect(checkJsonText(`{"a":"\\"${'{'.repeat(50)}"}`, 2)).toBeNull();
    expect(checkJsonText(`[${Array.from({ length: 100 }, () => '[1]').join(',')}]`, 2)).toBeNull();
  });

  it('refuses numbers that are not finite doubles, and only those', () => {
    expect(checkJsonText('{"amount":1e400}', 10)).toMatch(/the number 1e400 is out of range/);
    expect(checkJsonText('[-1E+999]', 10)).toMatch(/-1E\+999/);
    expect(checkJsonText(`[${'9'.repeat(400)}]`, 10)).toMatch(/out of range/);
    expect(checkJsonText('{"a":"1e400"}', 10)).toBeNull();
    expect(checkJsonText('{"1e400":1}', 10)).toBeNull();
    expect(
      checkJsonText(`[1e-400, 12345678901234567890123, 1.7976931348623157e308, ${'9'.repeat(300)}]`, 10),
    ).toBeNull();
  });
});

describe('memberText', () => {
  it('returns the source text of a top-level member, numbers as written', () => {
    const text = '{"eventType":"a.b","payload":{"big":12345678901234567890,"f":1.0,"e":1E2,"t":1e-400}}';
    expect(memberText(text, 'payload')).toBe('{"big":12345678901234567890,"f":1.0,"e":1E2,"t":1e-400}');
    expect(memberText(text, 'eventType')).toBe('"a.b"');
    expect(memberText(text, 'nope')).toBeUndefined();
  });

  it('drops whitespace between tokens, never inside strings', () => {
    const text = ' {\n "payload" : { "a b" : [ 1 , "x  y" , { } ] ,\t"c":null } , "z" : 2 }';
    expect(memberText(text, 'payload')).toBe('{"a b":[1,"x  y",{}],"c":null}');
    expect(memberText(text, 'z')).toBe('2');
  });

  it('reads escaped member names and takes the last repeated member, as JSON.parse does', () => {
    expect(memberText('{"pay\\u006coad":{"a":1}}', 'payload')).toBe('{"a":1}');
    expect(memberText('{"payload":{"a":1},"payload":{"b":"\\"}"}}', 'payload')).toBe('{"b":"\\"}"}');
  });

  it('keeps odd member names as they are', () => {
    const payload = '{"__proto__":{"constructor":{"prototype":1}},"constructor":"s"}';
    expect(memberText(`{"payload":${payload}}`, 'payload')).toBe(payload);
    expect(memberText('{"__proto__":true}', '__proto__')).toBe('true');
  });

  it('is undefined for a top-level value that is not an object', () => {
    expect(memberText('[{"payload":1}]', 'payload')).toBeUndefined();
    expect(memberText('"payload"', 'payload')).toBeUndefined();
  });
});

describe('elementText', () => {
  it('returns the source text of an array element, compacted, numbers as written', () => {
    const text = '[ {"a": 1.0} , 12345678901234567890, "x y", [ 1 ,2 ] ]';
    expect(elementText(text, 0)).toBe('{"a":1.0}');
    expect(elementText(text, 1)).toBe('12345678901234567890');
    expect(elementText(text, 2)).toBe('"x y"');
    expect(elementText(text, 3)).toBe('[1,2]');
  });

  it('is undefined past the end, for an empty array and for a value that is not an array', () => {
    expect(elementText('[1,2]', 2)).toBeUndefined();
    expect(elementText(' [ ] ', 0)).toBeUndefined();
    expect(elementText('{"0":1}', 0)).toBeUndefined();
  });
});

describe('indentJsonText', () => {
  it('lays JSON out as JSON.stringify(value, null, 2) does', () => {
    const text = ' {"a" : [1, {"b":null,"c":"x, y: {z}"}, [], {} ], "d\\"e":{"f":true}} ';
    expect(indentJsonText(text)).toBe(JSON.stringify(JSON.parse(text), null, 2));
  });

  it('keeps numbers as written', () => {
    expect(indentJsonText('{"n":[12345678901234567890,1.0,-0,1E+2]}')).toBe(
      '{\n  "n": [\n    12345678901234567890,\n    1.0,\n    -0,\n    1E+2\n  ]\n}',
    );
  });
});

describe('withMemberText', () => {
  it('appends a member whose value is spliced in as text', () => {
    expect(withMemberText({ a: 1 }, 'payload', '{"n":1.0}')).toBe('{"a":1,"payload":{"n":1.0}}');
    expect(withMemberText({}, 'x"y', 'null')).toBe('{"x\\"y":null}');
  });
});
