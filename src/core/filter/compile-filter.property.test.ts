import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { compileFilter } from './compile-filter.js';
import type { RequestSubject } from './subject.js';

// Keys biased towards the language's own words, so that generated filters reach deep into the
// compiler instead of stopping at the first unknown field.
const key = fc.oneof(
  fc.constantFrom('body', 'headers', 'query', 'path', 'method', 'a', 'a.b', '0', 'X-A', '__proto__', 'constructor'),
  fc.constantFrom('$eq', '$neq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$regex'),
  fc.constantFrom('$options', '$and', '$or', '$not', '$bogus'),
  fc.string({ maxLength: 4 }),
);
const leaf = fc.oneof(
  fc.constantFrom('^a', '(a+)+', '(', 'i', 'g', true, false, null, 0, 1.5, -3),
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('json'), { maxKeys: 4 }),
}));
const filter = fc.oneof(fc.dictionary(key, json, { maxKeys: 4 }), fc.jsonValue());

const subject: fc.Arbitrary<RequestSubject> = fc.record({
  method: fc.constantFrom('GET', 'POST', ''),
  path: fc.string(),
  query: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(fc.string()))),
  headers: fc.dictionary(fc.string(), fc.string()),
  body: fc.oneof(fc.jsonValue(), json),
});

describe('compileFilter on arbitrary input', () => {
  it('throws nothing but ValidationError, and a compiled filter never throws', () => {
    let compiled = 0;
    fc.assert(
      fc.property(filter, fc.array(subject, { maxLength: 3 }), (f, subjects) => {
        let predicate: ((s: RequestSubject) => boolean) | undefined;
        try {
          predicate = compileFilter(f);
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
          return;
        }
        compiled += 1;
        for (const s of subjects) expect(typeof predicate(s)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
    // The generator must reach valid filters too, or the second half would test nothing.
    expect(compiled).toBeGreaterThan(100);
  });
});
