import { type KeyObject, X509Certificate } from 'node:crypto';
import type { VerifyContext, VerifyResult } from '../types.js';
import { failure } from './request-parts.js';

/**
 * Fetches (through `context.fetchCertificate`, which enforces this provider's host allow-list)
 * and parses the certificate a provider signed with, and checks it is valid now. The chain is
 * not checked against a CA store: the trust is the HTTPS fetch from the provider's own host.
 */
export async function loadProviderCertificate(
  url: string,
  provider: 'paypal' | 'aws-sns',
  context: VerifyContext,
): Promise<{ ok: true; key: KeyObject } | { ok: false; result: VerifyResult }> {
  if (!context.fetchCertificate) {
    return { ok: false, result: failure('certificate_invalid', 'no certificate fetcher is configured') };
  }
  let pem: string;
  try {
    pem = await context.fetchCertificate(url, provider);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, result: failure('certificate_invalid', `the certificate at ${url} was refused: ${reason}`) };
  }
  let certificate: X509Certificate;
  try {
    // A PEM bundle parses as its first certificate, the signer's (PayPal serves the chain).
    certificate = new X509Certificate(pem);
  } catch {
    return { ok: false, result: failure('certificate_invalid', `${url} did not hold a PEM certificate`) };
  }
  const validFrom = Date.parse(certificate.validFrom);
  const validTo = Date.parse(certificate.validTo);
  if (!(validFrom <= context.now && context.now <= validTo)) {
    return {
      ok: false,
      result: failure(
        'certificate_invalid',
        `the certificate at ${url} is not valid now (${certificate.validFrom} to ${certificate.validTo})`,
      ),
    };
  }
  return { ok: true, key: certificate.publicKey };
}
