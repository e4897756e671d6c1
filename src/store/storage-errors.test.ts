import { describe, expect, it } from 'vitest';
import { isStorageUnavailable, storageErrorCode } from './storage-errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isStorageUnavailable', () => {
  it.each([
    'SQLITE_FULL',
    'SQLITE_IOERR_WRITE',
    'SQLITE_CANTOPEN',
    'ENOSPC',
    'ECONNREFUSED',
    '08006',
    '53100',
    '57P01',
  ])('is true for %s', (code) => expect(isStorageUnavailable(withCode(code))).toBe(true));

  it.each(['SQLITE_CONSTRAINT_UNIQUE', '23505', '22P02', '42P01', 'FST_ERR_CTP_INVALID_JSON_BODY'])(
    'is false for %s (the input, or a bug)',
    (code) => expect(isStorageUnavailable(withCode(code))).toBe(false),
  );

  it("knows node-postgres' errors without a code", () => {
    expect(isStorageUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isStorageUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isStorageUnavailable(new Error('something else'))).toBe(false);
    expect(isStorageUnavailable(null)).toBe(false);
  });

  it('names the cause by its code, else by the start of its message', () => {
    expect(storageErrorCode(withCode('SQLITE_FULL', 'database or disk is full'))).toBe('SQLITE_FULL');
    expect(storageErrorCode(new Error('Connection terminated unexpectedly'))).toBe(
      'Connection terminated unexpectedly',
    );
  });
});
