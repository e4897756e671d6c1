import type { VerifyResult } from './types.js';

/** The failed results, each with a sentence for a person (never a secret). */

export type VerifyFailure = Extract<VerifyResult, { ok: false }>;

export function signatureMissing(detail: string): VerifyFailure {
  return { ok: false, cause: 'signature_missing', detail };
}

export function signatureInvalid(detail: string): VerifyFailure {
  return { ok: false, cause: 'signature_invalid', detail };
}

export function timestampOutOfWindow(detail: string): VerifyFailure {
  return { ok: false, cause: 'timestamp_out_of_window', detail };
}

/** `{ok: true}`, with the delivery id only when there is one. */
export function verified(deliveryId: string | undefined): VerifyResult {
  return deliveryId ? { ok: true, deliveryId } : { ok: true };
}

/** The usual detail when a well-formed signature matches none of the secrets. */
export function noMatchDetail(where: string, secretCount: number): string {
  const secrets = secretCount === 1 ? 'the secret' : `any of the ${secretCount} secrets`;
  return `the signature in ${where} does not match ${secrets}: a wrong secret, or the body (or URL) was altered`;
}
