import { verify as cryptoVerify, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
import type { VerifiableRequest, VerifyResult } from '../types.js';

/** The default window, in seconds either way, for a signed timestamp when a setting gives none. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The first value of a header (names compare case-insensitively), or undefined. */
export function headerOf(request: VerifiableRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of request.headers) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The names among `names` whose header is absent or empty, for a `signature_missing` detail. */
export function missingHeaders(request: VerifiableRequest, names: readonly string[]): string[] {
  return names.filter((name) => !headerOf(request, name));
}

/** A failed result; the detail is for a person and never carries a secret. */
export function failure(cause: Extract<VerifyResult, { ok: false }>['cause'], detail: string): VerifyResult {
  return { ok: false, cause, detail };
}

/**
 * Checks a signed time (ms since the epoch) against now, both ways: a replay is too old, a
 * forged clock too far ahead. Returns a failure, or null when the time is inside the window.
 */
export function checkSignedTime(
  signedAtMs: number,
  nowMs: number,
  toleranceSeconds: number,
  what: string,
): VerifyResult | null {
  if (!Number.isFinite(signedAtMs)) return failure('timestamp_out_of_window', `${what} is not a valid time`);
  const skewSeconds = Math.round((nowMs - signedAtMs) / 1000);
  if (skewSeconds > toleranceSeconds) {
    return failure('timestamp_out_of_window', `${what} is ${skewSeconds} s old (tolerance ${toleranceSeconds} s)`);
  }
  if (-skewSeconds > toleranceSeconds) {
    return failure(
      'timestamp_out_of_window',
      `${what} is ${-skewSeconds} s in the future (tolerance ${toleranceSeconds} s)`,
    );
  }
  return null;
}

/** Unix seconds as sent in a header (digits only), in ms; NaN when it is not one. */
export function unixSecondsToMs(value: string): number {
  return /^\d{1,12}$/.test(value) ? Number(value) * 1000 : Number.NaN;
}

/** The body parsed as a JSON object, or undefined when it is not one. */
export function jsonObjectOf(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The tolerance of a setting, or the default. */
export function toleranceOf(setting: { toleranceSeconds?: number }): number {
  return setting.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
}

/**
 * `crypto.verify` that answers false instead of throwing on a signature that is not even well
 * formed (sender-controlled input must never throw).
 */
export function verifyQuietly(
  algorithm: string | null,
  data: Uint8Array,
  key: KeyObject | VerifyKeyObjectInput,
  signature: Uint8Array,
): boolean {
  try {
    return cryptoVerify(algorithm, data, key, signature);
  } catch {
    return false;
  }
}
