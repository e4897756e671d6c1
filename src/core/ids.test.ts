import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('has the prefix and 27 base62 characters', () => {
    expect(newId('msg')).toMatch(/^msg_[0-9A-Za-z]{27}$/);
  });

  it('sorts in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newId('x', 1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId('x', 1_800_000_000_000) > ids[ids.length - 1]).toBe(true);
  });
});
