import { SignatureError } from '../errors.js';
import { type CertificateHostRules, checkCertificateUrl, DEFAULT_CERTIFICATE_HOSTS } from './certificate-hosts.js';

export interface SubscriptionConfirmerOptions {
  /** The same rules as the certificate fetcher's; the `aws-sns` rule is the one used. */
  allowedHosts?: CertificateHostRules;
  fetch?: typeof fetch;
  /** How long the confirmation may take, in ms (default 5,000). */
  timeoutMs?: number;
}

/**
 * Creates the `confirmSubscription` an AWS SNS `SubscriptionConfirmation` handshake calls: a GET
 * of the message's `SubscribeURL`, which the sender wrote, so it must be on the `aws-sns` hosts
 * (https, `sns.<region>.amazonaws.com`) and redirects are not followed
 * (https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.confirm.html).
 * Rejects with `SignatureError` when the URL is refused or SNS does not answer 200.
 */
export function createSubscriptionConfirmer(
  options: SubscriptionConfirmerOptions = {},
): (url: string) => Promise<void> {
  const rules = options.allowedHosts ?? DEFAULT_CERTIFICATE_HOSTS;
  const fetchFn = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return async (raw) => {
    const checked = checkCertificateUrl(raw, rules, 'aws-sns');
    if (!checked.ok) throw new SignatureError(`SubscribeURL refused: ${checked.reason}`);
    const response = await fetchFn(checked.url.href, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (response.status !== 200) {
      throw new SignatureError(`confirming the subscription answered ${response.status}, not 200`);
    }
  };
}
