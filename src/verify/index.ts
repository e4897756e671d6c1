/**
 * `hookd/verify`: verify webhooks from 35 providers in your own receiver, with the same code
 * hookd's `/in/*` face runs. Pure: node:crypto and src/core/verify only, no server, no native
 * module. See docs/verify.md.
 *
 * Each `verifyX(request, secret | secrets, options?)` returns `{ok: true, deliveryId?}` or
 * `{ok: false, cause, detail}`; it never throws for what the sender sent, and throws
 * `ValidationError` for a bad secret or option (your configuration).
 */
import { verify, parseVerification } from '../core/verify/verification.js';
import type { CertificateFetcher, VerifiableRequest, Verification, VerifyResult } from '../core/verify/types.js';
import { createCertificateFetcher } from '../core/verify/certificate-fetcher.js';

export { verify, parseVerification } from '../core/verify/verification.js';
export { providers } from '../core/verify/providers.js';
export { fromNodeRequest, fromWebRequest } from './request-adapters.js';
export { answerHandshake, type HandshakeContext } from '../core/verify/handshakes.js';
export { createCertificateFetcher } from '../core/verify/certificate-fetcher.js';
export { ValidationError } from '../core/errors.js';
export type {
  HeaderPairs,
  VerifiableRequest,
  Verification,
  VerifyCause,
  VerifyContext,
  VerifyResult,
} from '../core/verify/types.js';

/** Options of a provider's verify function: its own setting fields, plus a clock for tests. */
export interface VerifyOptions {
  /** How far the signed timestamp may be from now, either way (provider default otherwise). */
  toleranceSeconds?: number;
  /** Now in ms since the epoch (default `Date.now()`). */
  now?: number;
  /** Type-specific fields, e.g. Square's `notificationUrl`, the generic `hmac`'s `header`. */
  [field: string]: unknown;
}

export type SecretVerifier = (
  request: VerifiableRequest,
  secret: string | readonly string[],
  options?: VerifyOptions,
) => Promise<VerifyResult>;

function verifierFor(type: string): SecretVerifier {
  return async (request, secret, options = {}) => {
    const { now = Date.now(), ...fields } = options;
    const secrets = typeof secret === 'string' ? [secret] : [...secret];
    const setting: Verification = parseVerification({ ...fields, type, secrets });
    return verify(setting, request, { now });
  };
}

/** Stripe: `Stripe-Signature`, the endpoint's `whsec_...` secret. */
export const verifyStripe = verifierFor('stripe');
/** GitHub: `X-Hub-Signature-256`, the webhook secret. */
export const verifyGithub = verifierFor('github');
/** GitLab: `X-Gitlab-Token`, the secret token. */
export const verifyGitlab = verifierFor('gitlab');
/** Bitbucket Cloud: `X-Hub-Signature`, the webhook secret. */
export const verifyBitbucket = verifierFor('bitbucket');
/** Shopify: `X-Shopify-Hmac-Sha256`, the app's client secret. */
export const verifyShopify = verifierFor('shopify');
/** Twilio: `X-Twilio-Signature`, the auth token; `request.url` must be the URL Twilio called. */
export const verifyTwilio = verifierFor('twilio');
/** Slack: `X-Slack-Signature`, the app's signing secret. */
export const verifySlack = verifierFor('slack');
/** HubSpot v3: `X-HubSpot-Signature-v3`, the app's client secret. */
export const verifyHubspot = verifierFor('hubspot');
/** Standard Webhooks: `webhook-signature`, a `whsec_` secret or `whpk_` public key. */
export const verifyStandardWebhooks = verifierFor('standard-webhooks');
/** Svix: `svix-signature` (or `webhook-signature`), the endpoint's `whsec_` secret. */
export const verifySvix = verifierFor('svix');
/** Linear: `Linear-Signature`, the webhook's signing secret. */
export const verifyLinear = verifierFor('linear');
/** Square: `x-square-hmacsha256-signature`, the signature key; option `notificationUrl`. */
export const verifySquare = verifierFor('square');
/** Zoom: `x-zm-signature`, the app's secret token. */
export const verifyZoom = verifierFor('zoom');
/** X (Twitter): `x-twitter-webhooks-signature`, the consumer secret. */
export const verifyX = verifierFor('x');
/** Intuit QuickBooks: `intuit-signature`, the verifier token. */
export const verifyIntuit = verifierFor('intuit');
/** Jira: `X-Hub-Signature`, the webhook secret. */
export const verifyJira = verifierFor('jira');
/** Dropbox: `X-Dropbox-Signature`, the app secret. */
export const verifyDropbox = verifierFor('dropbox');
/** PagerDuty v3: `X-PagerDuty-Signature`, the subscription's secret. */
export const verifyPagerduty = verifierFor('pagerduty');
/** CircleCI: `circleci-signature`, the webhook's secret token. */
export const verifyCircleci = verifierFor('circleci');
/** Mailgun: the `signature` object in the body, the webhook signing key. */
export const verifyMailgun = verifierFor('mailgun');
/** Typeform: `Typeform-Signature`, the webhook secret. */
export const verifyTypeform = verifierFor('typeform');
/** Paddle Billing: `Paddle-Signature`, the notification destination's secret key. */
export const verifyPaddle = verifierFor('paddle');
/** WooCommerce: `X-WC-Webhook-Signature`, the webhook secret. */
export const verifyWoocommerce = verifierFor('woocommerce');
/** Sentry: `Sentry-Hook-Signature`, the integration's client secret. */
export const verifySentry = verifierFor('sentry');
/** Zendesk: `X-Zendesk-Webhook-Signature`, the webhook's signing secret. */
export const verifyZendesk = verifierFor('zendesk');
/** Calendly: `Calendly-Webhook-Signature`, the subscription's signing key. */
export const verifyCalendly = verifierFor('calendly');
/** Vercel: `x-vercel-signature`, the webhook secret. */
export const verifyVercel = verifierFor('vercel');
/**
 * Any HMAC sender: options `{header, algorithm, encoding, prefix?, signedContent?,
 * timestampHeader?, timestampFormat?, toleranceSeconds?, deliveryIdHeader?}`.
 */
export const verifyHmac = verifierFor('hmac');

/** SendGrid Event Webhook: `X-Twilio-Email-Event-Webhook-Signature`, the account's base64 public key. */
export const verifySendgrid = verifierFor('sendgrid');
/** Discord interactions: `X-Signature-Ed25519`, the application's hex public key. */
export const verifyDiscord = verifierFor('discord');

/**
 * PayPal: RSA over `transmissionId|time|webhookId|crc32(body)` with the certificate at
 * `PAYPAL-CERT-URL`, fetched from PayPal's own hosts only (pass a `fetchCertificate` made with
 * `createCertificateFetcher` to reuse its cache across calls).
 */
export async function verifyPaypal(
  request: VerifiableRequest,
  options: { webhookId: string; now?: number; toleranceSeconds?: number; fetchCertificate?: CertificateFetcher },
): Promise<VerifyResult> {
  const { now = Date.now(), fetchCertificate = defaultFetcher(), ...fields } = options;
  return verify(parseVerification({ ...fields, type: 'paypal' }), request, { now, fetchCertificate });
}

/** AWS SNS: the message's own signature, with the certificate from `SigningCertURL` on SNS's hosts only. */
export async function verifyAwsSns(
  request: VerifiableRequest,
  options: { topicArns?: string[]; now?: number; fetchCertificate?: CertificateFetcher } = {},
): Promise<VerifyResult> {
  const { now = Date.now(), fetchCertificate = defaultFetcher(), ...fields } = options;
  return verify(parseVerification({ ...fields, type: 'aws-sns' }), request, { now, fetchCertificate });
}

let sharedFetcher: CertificateFetcher | null = null;

/** One fetcher, and with it one certificate cache, for every call that brings none. */
function defaultFetcher(): CertificateFetcher {
  sharedFetcher ??= createCertificateFetcher();
  return sharedFetcher;
}

/** HTTP Basic authentication against one username and password. */
export async function verifyBasicAuth(
  request: VerifiableRequest,
  credentials: { username: string; password: string },
): Promise<VerifyResult> {
  const setting = parseVerification({ type: 'basic-auth', ...credentials });
  return verify(setting, request, { now: Date.now() });
}

/** A fixed key in a header: `{header: 'X-Api-Key', key: '...'}`. */
export async function verifyApiKey(
  request: VerifiableRequest,
  options: { header: string; key: string },
): Promise<VerifyResult> {
  const setting = parseVerification({ type: 'api-key', ...options });
  return verify(setting, request, { now: Date.now() });
}
