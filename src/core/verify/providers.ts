import { asymmetricProviders } from './asymmetric/index.js';
import { hmacProvider } from './hmac-scheme.js';
import type { ProviderSpec } from './provider-spec.js';
import { apiKey, basicAuth, gitlab, none } from './schemes/credentials.js';
import { genericHmac } from './schemes/generic-hmac.js';
import { mailgun } from './schemes/mailgun.js';
import { standardWebhooks } from './schemes/standard-webhooks.js';
import { twilio } from './schemes/twilio.js';
import { optionalUrl } from './setting-fields.js';
import type { VerifiableRequest } from './types.js';

/**
 * Every verification type, by its `type` string. Policy is data: a provider whose scheme is "an
 * HMAC of a template, in a header" is a scheme run by the one engine in hmac-scheme.ts; only the
 * odd ones (Twilio, Mailgun, Standard Webhooks, the credential schemes) are code, in schemes/.
 * Each entry names the provider doc it follows.
 */

/**
 * HubSpot signs the URI with some characters decoded (its doc's table); we try the URL as given
 * and decoded, as senders and proxies differ in what they escape.
 */
const HUBSPOT_DECODED = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;
function hubspotUrls(request: VerifiableRequest): string[] {
  const decoded = request.url.replace(HUBSPOT_DECODED, (encoded) => decodeURIComponent(encoded));
  return decoded === request.url ? [request.url] : [request.url, decoded];
}

export const providers: Record<string, ProviderSpec> = {
  none,

  /**
   * Stripe: `Stripe-Signature: t=<s>,v1=<hex>[,v1=...]`, HMAC-SHA256 of `{t}.{body}` keyed by the
   * whole `whsec_...` string; 300 s. Delivery id: the event `id`.
   * https://docs.stripe.com/webhooks#verify-manually
   */
  stripe: hmacProvider({
    signatureHeader: 'stripe-signature',
    layout: { kind: 'pairs', separator: ',', signatureKey: 'v1', timestampKey: 't' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{timestamp}.{body}',
    timestamp: { format: 's', defaultToleranceSeconds: 300 },
    deliveryIdBodyField: 'id',
  }),

  /**
   * GitHub: `X-Hub-Signature-256: sha256=<hex>` of the body. Delivery id: `X-GitHub-Delivery`.
   * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
   */
  github: hmacProvider({
    signatureHeader: 'x-hub-signature-256',
    layout: { kind: 'single', prefix: 'sha256=' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{body}',
    deliveryIdHeaders: ['x-github-delivery'],
  }),

  /** GitLab: the secret token as is in `X-Gitlab-Token` (schemes/credentials.ts). */
  gitlab,

  /**
   * Bitbucket Cloud: `X-Hub-Signature: sha256=<hex>` of the body. Delivery id: `X-Request-UUID`.
   * https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks
   */
  bitbucket: hmacProvider({
    signatureHeader: 'x-hub-signature',
    layout: { kind: 'single', prefix: 'sha256=' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{body}',
    deliveryIdHeaders: ['x-request-uuid'],
  }),

  /**
   * Shopify: `X-Shopify-Hmac-Sha256` (newer deliveries: `shopify-hmac-sha256`), base64 HMAC-SHA256
   * of the body keyed by the app's client secret. Delivery id: `X-Shopify-Event-Id`, else
   * `X-Shopify-Webhook-Id`. https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook-to-ensure-its-coming-from-shopify
   */
  shopify: hmacProvider({
    signatureHeader: ['x-shopify-hmac-sha256', 'shopify-hmac-sha256'],
    layout: { kind: 'single' },
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{body}',
    deliveryIdHeaders: ['x-shopify-event-id', 'shopify-event-id', 'x-shopify-webhook-id', 'shopify-webhook-id'],
  }),

  /** Twilio: URL + sorted form parameters, or `bodySHA256` for JSON (schemes/twilio.ts). */
  twilio,

  /**
   * Slack: `X-Slack-Signature: v0=<hex>` of `v0:{X-Slack-Request-Timestamp}:{body}`; 300 s.
   * Delivery id: the Events API `event_id`. https://api.slack.com/authentication/verifying-requests-from-slack
   */
  slack: hmacProvider({
    signatureHeader: 'x-slack-signature',
    layout: { kind: 'single', prefix: 'v0=' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: 'v0:{timestamp}:{body}',
    timestamp: { header: 'x-slack-request-timestamp', format: 's', defaultToleranceSeconds: 300 },
    deliveryIdBodyField: 'event_id',
  }),

  /**
   * HubSpot v3: `X-HubSpot-Signature-v3`, base64 HMAC-SHA256 of method + URI + body + timestamp,
   * keyed by the app's client secret; `X-HubSpot-Request-Timestamp` in ms, 5 minutes.
   * https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation
   */
  hubspot: hmacProvider({
    signatureHeader: 'x-hubspot-signature-v3',
    layout: { kind: 'single' },
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{method}{url}{body}{timestamp}',
    timestamp: { header: 'x-hubspot-request-timestamp', format: 'ms', defaultToleranceSeconds: 300 },
    signedUrls: hubspotUrls,
  }),

  /**
   * Standard Webhooks (`webhook-*`) and Svix (`svix-*`): HMAC `v1,` and ed25519 `v1a,`
   * (schemes/standard-webhooks.ts). `svix` is the same type under the name users know.
   */
  'standard-webhooks': standardWebhooks,
  svix: standardWebhooks,

  /**
   * Linear: `Linear-Signature`, hex HMAC-SHA256 of the body; the body's `webhookTimestamp` (ms)
   * must be within 60 s. Delivery id: `Linear-Delivery`. https://linear.app/developers/webhooks#securing-webhooks
   */
  linear: hmacProvider({
    signatureHeader: 'linear-signature',
    layout: { kind: 'single' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{body}',
    timestamp: { bodyField: 'webhookTimestamp', format: 'ms', defaultToleranceSeconds: 60 },
    deliveryIdHeaders: ['linear-delivery'],
  }),

  /**
   * Square: `x-square-hmacsha256-signature`, base64 HMAC-SHA256 of notification URL + body, keyed
   * by the subscription's signature key. `notificationUrl` (optional) is the URL as configured in
   * Square, when it differs from the URL the request arrived on. Delivery id: the body's `event_id`.
   * https://developer.squareup.com/docs/webhooks/step3validate
   */
  square: hmacProvider({
    signatureHeader: 'x-square-hmacsha256-signature',
    layout: { kind: 'single' },
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{url}{body}',
    deliveryIdBodyField: 'event_id',
    signedUrls: (request, setting) => [
      typeof setting.notificationUrl === 'string' ? setting.notificationUrl : request.url,
    ],
    extraFields: ['notificationUrl'],
    parseExtra: (setting) => void optionalUrl(setting, 'notificationUrl'),
  }),

  /**
   * Zoom: `x-zm-signature: v0=<hex>` of `v0:{x-zm-request-timestamp}:{body}`, keyed by the app's
   * secret token; timestamp in seconds, 300 s. https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
   */
  zoom: hmacProvider({
    signatureHeader: 'x-zm-signature',
    layout: { kind: 'single', prefix: 'v0=' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: 'v0:{timestamp}:{body}',
    timestamp: { header: 'x-zm-request-timestamp', format: 's', defaultToleranceSeconds: 300 },
  }),

  /**
   * X (Twitter) Account Activity: `x-twitter-webhooks-signature: sha256=<base64>` of the body,
   * keyed by the consumer secret.
   * https://docs.x.com/x-api/webhooks/introduction#validating-the-signature-header
   */
  x: hmacProvider({
    signatureHeader: 'x-twitter-webhooks-signature',
    layout: { kind: 'single', prefix: 'sha256=' },
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{body}',
  }),

  /**
   * Intuit (QuickBooks): `intuit-signature`, base64 HMAC-SHA256 of the body keyed by the
   * verifier token. https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications#validating-the-notification
   */
  intuit: hmacProvider({
    signatureHeader: 'intuit-signature',
    layout: { kind: 'single' },
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{body}',
  }),

  /**
   * Jira (Cloud, admin webhooks with a secret): `X-Hub-Signature: sha256=<hex>` of the body.
   * Delivery id: `X-Atlassian-Webhook-Identifier`.
   * https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
   */
  jira: hmacProvider({
    signatureHeader: 'x-hub-signature',
    layout: { kind: 'single', prefix: 'sha256=' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{body}',
    deliveryIdHeaders: ['x-atlassian-webhook-identifier'],
  }),

  /**
   * Dropbox: `X-Dropbox-Signature`, hex HMAC-SHA256 of the body keyed by the app secret.
   * https://www.dropbox.com/developers/reference/webhooks#notifications
   */
  dropbox: hmacProvider({
    signatureHeader: 'x-dropbox-signature',
    layout: { kind: 'single' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{body}',
  }),

  /**
   * PagerDuty v3: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]` (one per active secret), of the
   * body. Delivery id: `X-Webhook-Id`. https://developer.pagerduty.com/docs/webhooks/webhook-signatures/
   */
  pagerduty: hmacProvider({
    signatureHeader: 'x-pagerduty-signature',
    layout: { kind: 'list', separator: ',', prefix: 'v1=' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{body}',
    deliveryIdHeaders: ['x-webhook-id'],
  }),

  /**
   * CircleCI: `circleci-signature: v1=<hex>` (comma-separated versions), HMAC-SHA256 of the body.
   * Delivery id: the body's `id`. https://circleci.com/docs/webhooks/#validate-webhooks
   */
  circleci: hmacProvider({
    signatureHeader: 'circleci-signature',
    layout: { kind: 'list', separator: ',', prefix: 'v1=' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{body}',
    deliveryIdBodyField: 'id',
  }),

  /** Mailgun: the signature is inside the body (schemes/mailgun.ts). */
  mailgun,

  /**
   * Typeform: `Typeform-Signature: sha256=<base64>` of the body. Delivery id: `event_id`.
   * https://www.typeform.com/developers/webhooks/secure-your-webhooks/
   */
  typeform: hmacProvider({
    signatureHeader: 'typeform-signature',
    layout: { kind: 'single', prefix: 'sha256=' },
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{body}',
    deliveryIdBodyField: 'event_id',
  }),

  /**
   * Paddle Billing: `Paddle-Signature: ts=<s>;h1=<hex>[;h1=...]` of `{ts}:{body}`; Paddle's SDKs
   * allow 5 s. Delivery id: `event_id`. https://developer.paddle.com/webhooks/signature-verification
   */
  paddle: hmacProvider({
    signatureHeader: 'paddle-signature',
    layout: { kind: 'pairs', separator: ';', signatureKey: 'h1', timestampKey: 'ts' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{timestamp}:{body}',
    timestamp: { format: 's', defaultToleranceSeconds: 5 },
    deliveryIdBodyField: 'event_id',
  }),

  /**
   * WooCommerce: `X-WC-Webhook-Signature`, base64 HMAC-SHA256 of the body. Delivery id:
   * `X-WC-Webhook-Delivery-ID`. https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks
   */
  woocommerce: hmacProvider({
    signatureHeader: 'x-wc-webhook-signature',
    layout: { kind: 'single' },
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{body}',
    deliveryIdHeaders: ['x-wc-webhook-delivery-id'],
  }),

  /**
   * Sentry integration platform: `Sentry-Hook-Signature`, hex HMAC-SHA256 of the body keyed by
   * the client secret. Delivery id: `Request-ID`.
   * https://docs.sentry.io/organization/integrations/integration-platform/webhooks/#verifying-the-signature
   */
  sentry: hmacProvider({
    signatureHeader: 'sentry-hook-signature',
    layout: { kind: 'single' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{body}',
    deliveryIdHeaders: ['request-id'],
  }),

  /**
   * Zendesk: `X-Zendesk-Webhook-Signature`, base64 HMAC-SHA256 of timestamp + body, the
   * timestamp (ISO 8601) in `X-Zendesk-Webhook-Signature-Timestamp`; 300 s.
   * https://developer.zendesk.com/documentation/webhooks/verifying/
   */
  zendesk: hmacProvider({
    signatureHeader: 'x-zendesk-webhook-signature',
    layout: { kind: 'single' },
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{timestamp}{body}',
    timestamp: { header: 'x-zendesk-webhook-signature-timestamp', format: 'iso8601', defaultToleranceSeconds: 300 },
  }),

  /**
   * Calendly: `Calendly-Webhook-Signature: t=<s>,v1=<hex>` of `{t}.{body}` keyed by the
   * subscription's signing key; Calendly's example allows 3 minutes.
   * https://developer.calendly.com/api-docs/4c305798a61d3-webhook-signatures
   */
  calendly: hmacProvider({
    signatureHeader: 'calendly-webhook-signature',
    layout: { kind: 'pairs', separator: ',', signatureKey: 'v1', timestampKey: 't' },
    algorithm: 'sha256',
    encoding: 'hex',
    signedContent: '{timestamp}.{body}',
    timestamp: { format: 's', defaultToleranceSeconds: 180 },
  }),

  /**
   * Vercel: `x-vercel-signature`, hex HMAC-SHA1 of the body keyed by the webhook secret (or the
   * integration's client secret). Delivery id: the body's `id`.
   * https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks
   */
  vercel: hmacProvider({
    signatureHeader: 'x-vercel-signature',
    layout: { kind: 'single' },
    algorithm: 'sha1',
    encoding: 'hex',
    signedContent: '{body}',
    deliveryIdBodyField: 'id',
  }),

  /** Any HMAC sender, described by the setting (schemes/generic-hmac.ts). */
  hmac: genericHmac,
  'basic-auth': basicAuth,
  'api-key': apiKey,

  // ── asymmetric schemes (PayPal, SendGrid, AWS SNS, Discord) and Microsoft Graph ───────────
  ...asymmetricProviders,
};
