import { describe, expect, it } from 'vitest';
import { exceedsDepth } from './json-body.js';

describe('exceedsDepth', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it('counts brackets and braces outside strings only', () => {
    expect(exceedsDepth(nested(3), 3)).toBe(false);
    expect(exceedsDepth(nested(4), 3)).toBe(true);
    expect(exceedsDepth('{"a":{"b":{"c":1}}}', 2)).toBe(true);
    expect(exceedsDepth(`{"a":"${'['.repeat(50)}"}`, 2)).toBe(false);
    expect(exceedsDepth(`{"a":"\\"${'{'.repeat(50)}"}`, 2)).toBe(false);
  });

  it('lets sibling containers through', () => {
    expect(exceedsDepth(`[${Array.from({ length: 100 }, () => '[1]').join(',')}]`, 2)).toBe(false);
  });
});
