import { ValidationError } from '../errors.js';
import type { Verification } from './types.js';

/**
 * Checks of a verification setting's fields, shared by every type's `parse`. Each throws
 * `ValidationError` whose message starts with the field's path (`verification.secrets: ...`).
 */

const MAX_TOLERANCE_SECONDS = 7 * 24 * 3600;

function fail(field: string, problem: string): never {
  throw new ValidationError(`verification.${field}: ${problem}`, `verification.${field}`);
}

/** Refuses fields the type does not know (a typo such as `secret` would otherwise be ignored). */
export function checkKnownFields(setting: Verification, allowed: readonly string[]): void {
  for (const field of Object.keys(setting)) {
    if (field === 'type' || allowed.includes(field)) continue;
    const hint = field === 'secret' && allowed.includes('secrets') ? ' (did you mean secrets, a list?)' : '';
    const known = allowed.length > 0 ? `; it takes ${allowed.join(', ')}` : '; it takes no other field';
    fail(field, `${setting.type} has no such field${hint}${known}`);
  }
}

/** The non-empty list of non-empty secret strings. */
export function requireSecrets(setting: Verification): string[] {
  const { secrets } = setting;
  if (secrets === undefined || (Array.isArray(secrets) && secrets.length === 0)) {
    fail('secrets', `${setting.type} needs at least one secret`);
  }
  if (!Array.isArray(secrets)) fail('secrets', 'must be a list of strings');
  secrets.forEach((secret, index) => {
    if (typeof secret !== 'string' || secret.length === 0) fail(`secrets[${index}]`, 'must be a non-empty string');
  });
  return secrets;
}

/** `toleranceSeconds` if given: a positive number of seconds, at most a week. */
export function checkTolerance(setting: Verification): void {
  const { toleranceSeconds } = setting;
  if (toleranceSeconds === undefined) return;
  if (typeof toleranceSeconds !== 'number' || !Number.isFinite(toleranceSeconds) || toleranceSeconds <= 0) {
    fail('toleranceSeconds', 'must be a positive number of seconds');
  }
  if (toleranceSeconds > MAX_TOLERANCE_SECONDS) {
    fail('toleranceSeconds', `must be at most ${MAX_TOLERANCE_SECONDS} (a week)`);
  }
}

/** A required non-empty string field. */
export function requireString(setting: Verification, field: string): string {
  const value = setting[field];
  if (value === undefined) fail(field, `${setting.type} needs ${field}`);
  if (typeof value !== 'string' || value.length === 0) fail(field, 'must be a non-empty string');
  return value;
}

/** An optional string field: undefined or a non-empty string. */
export function optionalString(setting: Verification, field: string): string | undefined {
  return setting[field] === undefined ? undefined : requireString(setting, field);
}

/** An optional field that must be one of `choices`. */
export function optionalChoice<T extends string>(
  setting: Verification,
  field: string,
  choices: readonly T[],
): T | undefined {
  const value = setting[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !choices.includes(value as T)) fail(field, `must be one of ${choices.join(', ')}`);
  return value as T;
}

/** A required field that must be one of `choices`. */
export function requireChoice<T extends string>(setting: Verification, field: string, choices: readonly T[]): T {
  if (setting[field] === undefined) fail(field, `${setting.type} needs ${field} (one of ${choices.join(', ')})`);
  return optionalChoice(setting, field, choices)!;
}

/** An optional absolute http(s) URL. */
export function optionalUrl(setting: Verification, field: string): string | undefined {
  const value = optionalString(setting, field);
  if (value === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    fail(field, 'must be an absolute URL');
  }
  if (protocol !== 'https:' && protocol !== 'http:') fail(field, 'must be an http or https URL');
  return value;
}

/** A valid HTTP header name (RFC 9110 token). */
export function requireHeaderName(setting: Verification, field: string): string {
  const value = requireString(setting, field);
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) fail(field, 'must be an HTTP header name');
  return value;
}

export function optionalHeaderName(setting: Verification, field: string): string | undefined {
  return setting[field] === undefined ? undefined : requireHeaderName(setting, field);
}
