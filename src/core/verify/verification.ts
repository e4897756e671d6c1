import { ValidationError } from '../errors.js';
import { providers } from './providers.js';
import type { VerifiableRequest, Verification, VerifyContext, VerifyResult } from './types.js';

/**
 * A source's verification setting: checked once at creation (`parseVerification`), then run on
 * each request (`verify`), both through the table in providers.ts.
 */

function knownTypes(): string {
  return Object.keys(providers).sort().join(', ');
}

/**
 * Validates a setting `{type, secrets?, toleranceSeconds?, ...type-specific}` and returns it
 * normalized. Throws `ValidationError` whose message names the field and the problem, e.g.
 * `verification.secrets: stripe needs at least one secret`; an unknown type lists the known ones.
 */
export function parseVerification(input: unknown): Verification {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError('verification: must be an object {type, ...}', 'verification');
  }
  const setting = input as Verification;
  if (typeof setting.type !== 'string' || setting.type === '') {
    throw new ValidationError(`verification.type: required, one of ${knownTypes()}`, 'verification.type');
  }
  const spec = Object.hasOwn(providers, setting.type) ? providers[setting.type] : undefined;
  if (!spec) {
    throw new ValidationError(
      `verification.type: unknown type "${setting.type}"; known types: ${knownTypes()}`,
      'verification.type',
    );
  }
  return spec.parse({ ...setting });
}

/**
 * Verifies one request against a (parsed) setting. Never throws for anything the sender
 * controls; throws `ValidationError` only for a setting whose type is unknown (a caller's bug).
 */
export async function verify(
  setting: Verification,
  request: VerifiableRequest,
  context: VerifyContext,
): Promise<VerifyResult> {
  const spec = Object.hasOwn(providers, setting.type) ? providers[setting.type] : undefined;
  if (!spec) throw new ValidationError(`verification.type: unknown type "${setting.type}"`, 'verification.type');
  try {
    return await spec.verify(request, setting, context);
  } catch (error) {
    // A safety net, not a path: verifiers return results. Should one throw on an input nobody
    // foresaw, the request is refused rather than the receiver failing; the detail names no
    // secret (only the error's class).
    const kind = error instanceof Error ? error.name : 'error';
    return { ok: false, cause: 'signature_invalid', detail: `the request could not be verified (${kind})` };
  }
}
