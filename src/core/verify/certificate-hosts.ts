/**
 * Where each provider's certificates (and, for AWS SNS, subscription confirmations) may be
 * fetched from. A rule gets the parsed URL; the fetcher has already required `https:`.
 */
export type CertificateHostRule = (url: URL) => boolean;

/** Rules by verification type (`paypal`, `aws-sns`). A URL is allowed if its type's rule accepts it. */
export type CertificateHostRules = Readonly<Record<string, CertificateHostRule>>;

/**
 * PayPal serves its signing certificates from its API hosts, e.g.
 * `https://api.paypal.com/v1/notifications/certs/CERT-…` (PAYPAL-CERT-URL,
 * https://developer.paypal.com/api/rest/webhooks/rest/).
 */
const PAYPAL_HOSTS = new Set([
  'api.paypal.com',
  'api-m.paypal.com',
  'api.sandbox.paypal.com',
  'api-m.sandbox.paypal.com',
]);

/**
 * SNS certificates and SubscribeURLs are on `sns.<region>.amazonaws.com` (`.com.cn` in China):
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** No user info, no port but the default: the host is all there is to match. */
function isPlainHttpsUrl(url: URL): boolean {
  return url.protocol === 'https:' && url.port === '' && url.username === '' && url.password === '';
}

/** The providers' own hosts; tests replace a rule to point it at a loopback server. */
export const DEFAULT_CERTIFICATE_HOSTS: CertificateHostRules = {
  paypal: (url) => isPlainHttpsUrl(url) && PAYPAL_HOSTS.has(url.hostname),
  'aws-sns': (url) => isPlainHttpsUrl(url) && SNS_HOST.test(url.hostname),
};

/**
 * Checks a URL against the rules: it must parse, be `https:`, and be accepted by the rule of
 * `provider` (or, with no provider, by any rule). Returns the parsed URL or a reason.
 */
export function checkCertificateUrl(
  raw: string,
  rules: CertificateHostRules,
  provider?: string,
): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: 'only https is fetched' };
  const candidates = provider === undefined ? Object.values(rules) : [rules[provider]].filter(Boolean);
  if (!candidates.some((rule) => rule(url))) {
    return { ok: false, reason: `${url.host} is not an allow-listed host${provider ? ` for ${provider}` : ''}` };
  }
  return { ok: true, url };
}
