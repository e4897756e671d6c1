import type { HeaderPairs, VerifiableRequest, Verification, VerifyContext, VerifyResult } from './types.js';

/**
 * One verification type (a provider's scheme, or a generic one): how its setting is checked at
 * creation and how a request is verified against it. The table of every type is in providers.ts.
 */
export interface ProviderSpec {
  /**
   * Checks the type-specific fields of a setting at creation and returns it normalized (defaults
   * filled in). Throws `ValidationError` naming the field and what is wrong.
   */
  parse(setting: Verification): Verification;
  /**
   * Verifies one request over its raw body bytes, comparing in constant time, accepting any of
   * `setting.secrets`, checking a signed timestamp both ways (too old, too far in the future).
   * Never throws for anything the sender controls: a bad request is `{ok: false, cause, detail}`.
   */
  verify(
    request: VerifiableRequest,
    setting: Verification,
    context: VerifyContext,
  ): VerifyResult | Promise<VerifyResult>;
  /**
   * Signs a request the way the provider does, the verifier in reverse (for `hookd trigger` and
   * `hookd doctor`): returns the headers to add (the signature, and the timestamp or id the
   * scheme signs, unless `request` already has them). `nowMs` is the signed time. Absent for
   * schemes that sign with the provider's private key (PayPal, SNS...) or carry no signature.
   */
  sign?(request: VerifiableRequest, secret: string, nowMs: number): HeaderPairs;
}
