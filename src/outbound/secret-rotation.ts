import type { EndpointSecret } from '../core/types.js';

/** Keys beyond this many are dropped on rotation (oldest first): every key signs every request. */
export const MAX_ENDPOINT_KEYS = 10;

/**
 * The endpoint's keys after a rotation to `newKey`: the new key becomes current
 * (`expiresAt: null`); the old current key keeps signing for `graceSeconds` (0 drops it at once);
 * keys whose grace period has ended are dropped, the others kept as they were.
 */
export function rotateSecrets(
  current: readonly EndpointSecret[],
  newKey: string,
  graceSeconds: number,
  now: number,
): EndpointSecret[] {
  const retired =
    graceSeconds > 0
      ? current.filter((s) => s.expiresAt === null).map((s) => ({ key: s.key, expiresAt: now + graceSeconds * 1000 }))
      : [];
  const stillValid = current.filter(
    (s): s is { key: string; expiresAt: number } => s.expiresAt !== null && s.expiresAt > now,
  );
  const byNewestExpiry = [...retired, ...stillValid].sort((a, b) => b.expiresAt - a.expiresAt);
  return [{ key: newKey, expiresAt: null }, ...byNewestExpiry].slice(0, MAX_ENDPOINT_KEYS);
}

/** The key that signs new messages: the one without an expiry. */
export function currentSecret(secrets: readonly EndpointSecret[]): string | null {
  return (secrets.find((s) => s.expiresAt === null) ?? secrets[0])?.key ?? null;
}
