import { describe, expect, it } from 'vitest';
import { currentSecret, MAX_ENDPOINT_KEYS, rotateSecrets } from './secret-rotation.js';

describe('rotateSecrets', () => {
  const now = 1_000_000;

  it('makes the new key current and keeps the old one for the grace period', () => {
    expect(rotateSecrets([{ key: 'a', expiresAt: null }], 'b', 60, now)).toEqual([
      { key: 'b', expiresAt: null },
      { key: 'a', expiresAt: now + 60_000 },
    ]);
  });

  it('drops the old key at once with a grace period of 0', () => {
    expect(rotateSecrets([{ key: 'a', expiresAt: null }], 'b', 0, now)).toEqual([{ key: 'b', expiresAt: null }]);
  });

  it('drops keys whose grace period has ended and keeps the others', () => {
    const keys = [
      { key: 'c', expiresAt: null },
      { key: 'b', expiresAt: now + 10 },
      { key: 'a', expiresAt: now - 10 },
    ];
    expect(rotateSecrets(keys, 'd', 60, now)).toEqual([
      { key: 'd', expiresAt: null },
      { key: 'c', expiresAt: now + 60_000 },
      { key: 'b', expiresAt: now + 10 },
    ]);
  });

  it('keeps at most MAX_ENDPOINT_KEYS keys', () => {
    let keys = [{ key: 'k0', expiresAt: null as number | null }];
    for (let i = 1; i <= 20; i++) keys = rotateSecrets(keys, `k${i}`, 3600 + i, now);
    expect(keys).toHaveLength(MAX_ENDPOINT_KEYS);
    expect(currentSecret(keys)).toBe('k20');
  });
});
