import { describe, expect, it } from 'vitest';
import { classifyOutcome } from './outcome.js';

describe('classifyOutcome', () => {
  it.each([
    [200, 'success'],
    [201, 'success'],
    [204, 'success'],
    [299, 'success'],
    [100, 'retry'],
    [301, 'retry'],
    [302, 'retry'],
    [304, 'retry'],
    [308, 'retry'],
    [400, 'retry'],
    [404, 'retry'],
    [409, 'retry'],
    [410, 'gone'],
    [429, 'throttled'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [599, 'retry'],
  ] as const)('status %i → %s', (statusCode, outcome) => {
    expect(classifyOutcome({ statusCode })).toBe(outcome);
  });

  it.each([
    ['timeout', 'timeout'],
    ['connection', 'retry'],
    ['refused', 'retry'],
  ] as const)('error %s → %s', (error, outcome) => {
    expect(classifyOutcome({ error })).toBe(outcome);
  });
});
