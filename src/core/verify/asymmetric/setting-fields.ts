import { ValidationError } from '../../errors.js';
import type { Verification } from '../types.js';

/** Rejects `secrets` on a type that verifies with the provider's certificate, not a shared secret. */
export function rejectSecrets(setting: Verification, instead: string): void {
  if (setting.secrets !== undefined) {
    throw new ValidationError(`${setting.type} takes no secrets: ${instead}`, 'secrets');
  }
}

/** The non-empty `secrets` of a setting; throws ValidationError when there are none. */
export function requireSecrets(setting: Verification, what: string): string[] {
  const secrets = setting.secrets;
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s === '')) {
    throw new ValidationError(`${setting.type} needs secrets: ${what}`, 'secrets');
  }
  return secrets;
}
