import { createHmac, randomBytes } from 'node:crypto';
import { Signature as HubspotSignature } from '@hubspot/api-client';
import { sign as signGithub } from '@octokit/webhooks-methods';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import twilio from 'twilio';
import type { VerifiableRequest, Verification } from './types.js';

/**
 * One row per verification type for the table-driven test (providers.test.ts): how to make its
 * setting and how to sign a request the way the provider does. Where the provider publishes a
 * package that signs, the row uses it (stripe, @octokit/webhooks-methods, twilio,
 * @hubspot/api-client, standardwebhooks, svix); otherwise a few lines written from the
 * provider's doc (cited in providers.ts), independent of the engine under test.
 */

export interface SignInput {
  secret: string;
  /** The signed timestamp, ms since the epoch. */
  timestampMs: number;
}

export interface ProviderRow {
  /** The row's name (a type, or a type and a variant). */
  name: string;
  setting(secrets: string[]): Verification;
  /** Two fresh secrets in the provider's format. */
  makeSecrets(): [string, string];
  sign(input: SignInput): VerifiableRequest | Promise<VerifiableRequest>;
  /** The header removed for the "missing" case; undefined when the signature is in the body. */
  signatureHeader?: string;
  /** Tolerance in seconds when the scheme signs a timestamp. */
  toleranceSeconds?: number;
  /** Whether the signature covers the body (a changed byte must fail). */
  coversBody: boolean;
  /** Whether several secrets can be set (false for basic-auth, api-key). */
  rotates: boolean;
  deliveryId?: string;
}

export const URL = 'https://hooks.example.com/in/src_1?x=1';
/** The body every row signs; "hello" is the byte the tamper case changes. */
export const bodyWith = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: 'evt_1', event_id: 'ev_2', text: 'hello world', ...extra });
const BODY = bodyWith();

const plainSecrets = (): [string, string] => [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
const whsecSecrets = (): [string, string] => [
  `whsec_${randomBytes(24).toString('base64')}`,
  `whsec_${randomBytes(24).toString('base64')}`,
];
const hmac = (algorithm: string, secret: string, content: string, encoding: 'hex' | 'base64') =>
  createHmac(algorithm, secret).update(content, 'utf8').digest(encoding);

export function request(headers: Record<string, string>, body = BODY, url = URL, method = 'POST'): VerifiableRequest {
  return {
    method,
    url,
    headers: Object.entries({ 'content-type': 'application/json', ...headers }),
    body: Buffer.from(body),
  };
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const stripe = new Stripe('sk_test_not_used');

/** A row for a scheme that is HMAC(body) in one header, signed from the provider's doc. */
function bodyHmacRow(
  name: string,
  header: string,
  algorithm: string,
  encoding: 'hex' | 'base64',
  prefix = '',
  delivery?: [string, string],
): ProviderRow {
  return {
    name,
    setting: (secrets) => ({ type: name, secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret }) =>
      request({
        [header]: prefix + hmac(algorithm, secret, BODY, encoding),
        ...(delivery ? { [delivery[0]]: delivery[1] } : {}),
      }),
    signatureHeader: header,
    coversBody: true,
    rotates: true,
    deliveryId: delivery?.[1],
  };
}

export const providerRows: ProviderRow[] = [
  {
    name: 'stripe',
    setting: (secrets) => ({ type: 'stripe', secrets }),
    makeSecrets: () => [`whsec_${randomBytes(16).toString('hex')}`, `whsec_${randomBytes(16).toString('hex')}`],
    sign: ({ secret, timestampMs }) =>
      request({
        'Stripe-Signature': stripe.webhooks.generateTestHeaderString({
          payload: BODY,
          secret,
          timestamp: seconds(timestampMs),
        }),
      }),
    signatureHeader: 'Stripe-Signature',
    toleranceSeconds: 300,
    coversBody: true,
    rotates: true,
    deliveryId: 'evt_1',
  },
  {
    name: 'github',
    setting: (secrets) => ({ type: 'github', secrets }),
    makeSecrets: plainSecrets,
    sign: async ({ secret }) =>
      request({ 'X-Hub-Signature-256': await signGithub(secret, BODY), 'X-GitHub-Delivery': 'gh-delivery-1' }),
    signatureHeader: 'X-Hub-Signature-256',
    coversBody: true,
    rotates: true,
    deliveryId: 'gh-delivery-1',
  },
  {
    name: 'gitlab',
    setting: (secrets) => ({ type: 'gitlab', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret }) => request({ 'X-Gitlab-Token': secret, 'X-Gitlab-Event-UUID': 'gl-1' }),
    signatureHeader: 'X-Gitlab-Token',
    coversBody: false,
    rotates: true,
    deliveryId: 'gl-1',
  },
  bodyHmacRow('bitbucket', 'X-Hub-Signature', 'sha256', 'hex', 'sha256=', ['X-Request-UUID', 'bb-1']),
  bodyHmacRow('shopify', 'X-Shopify-Hmac-Sha256', 'sha256', 'base64', '', ['X-Shopify-Event-Id', 'shop-ev-1']),
  {
    ...bodyHmacRow('shopify', 'shopify-hmac-sha256', 'sha256', 'base64', '', ['shopify-webhook-id', 'shop-wh-1']),
    name: 'shopify (unprefixed headers)',
  },
  {
    name: 'twilio (form)',
    setting: (secrets) => ({ type: 'twilio', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret }) => {
      const params = { CallSid: 'CA1', From: '+15551234567', Body: 'hello world', To: '+15557654321' };
      const signature = twilio.getExpectedTwilioSignature(secret, URL, params);
      const form = new URLSearchParams(params).toString();
      return {
        ...request({ 'X-Twilio-Signature': signature, 'I-Twilio-Idempotency-Token': 'tw-1' }, form),
        headers: [
          ['Content-Type', 'application/x-www-form-urlencoded'],
          ['X-Twilio-Signature', signature],
          ['I-Twilio-Idempotency-Token', 'tw-1'],
        ],
      };
    },
    signatureHeader: 'X-Twilio-Signature',
    coversBody: true,
    rotates: true,
    deliveryId: 'tw-1',
  },
  {
    name: 'twilio (JSON, bodySHA256)',
    setting: (secrets) => ({ type: 'twilio', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret }) => {
      const url = `${URL}&bodySHA256=${twilio.getExpectedBodyHash(BODY)}`;
      return request({ 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(secret, url, {}) }, BODY, url);
    },
    signatureHeader: 'X-Twilio-Signature',
    coversBody: true,
    rotates: true,
  },
  {
    name: 'slack',
    setting: (secrets) => ({ type: 'slack', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret, timestampMs }) => {
      const ts = String(seconds(timestampMs));
      return request({
        'X-Slack-Signature': `v0=${hmac('sha256', secret, `v0:${ts}:${BODY}`, 'hex')}`,
        'X-Slack-Request-Timestamp': ts,
      });
    },
    signatureHeader: 'X-Slack-Signature',
    toleranceSeconds: 300,
    coversBody: true,
    rotates: true,
    deliveryId: 'ev_2',
  },
  {
    name: 'hubspot',
    setting: (secrets) => ({ type: 'hubspot', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret, timestampMs }) =>
      request({
        'X-HubSpot-Signature-v3': HubspotSignature.getSignature('POST', 'v3', {
          clientSecret: secret,
          requestBody: BODY,
          url: URL,
          timestamp: timestampMs,
          signature: '', // required by the options' type, unused when signing
        }),
        'X-HubSpot-Request-Timestamp': String(timestampMs),
      }),
    signatureHeader: 'X-HubSpot-Signature-v3',
    toleranceSeconds: 300,
    coversBody: true,
    rotates: true,
  },
  {
    name: 'standard-webhooks',
    setting: (secrets) => ({ type: 'standard-webhooks', secrets }),
    makeSecrets: whsecSecrets,
    sign: ({ secret, timestampMs }) =>
      request({
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(seconds(timestampMs)),
        'webhook-signature': new StandardWebhook(secret).sign('msg_1', new Date(timestampMs), BODY),
      }),
    signatureHeader: 'webhook-signature',
    toleranceSeconds: 300,
    coversBody: true,
    rotates: true,
    deliveryId: 'msg_1',
  },
  {
    name: 'svix',
    setting: (secrets) => ({ type: 'svix', secrets }),
    makeSecrets: whsecSecrets,
    sign: ({ secret, timestampMs }) =>
      request({
        'svix-id': 'msg_2',
        'svix-timestamp': String(seconds(timestampMs)),
        'svix-signature': new SvixWebhook(secret).sign('msg_2', new Date(timestampMs), BODY),
      }),
    signatureHeader: 'svix-signature',
    toleranceSeconds: 300,
    coversBody: true,
    rotates: true,
    deliveryId: 'msg_2',
  },
  {
    name: 'linear',
    setting: (secrets) => ({ type: 'linear', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret, timestampMs }) => {
      const body = bodyWith({ webhookTimestamp: timestampMs });
      return request({ 'Linear-Signature': hmac('sha256', secret, body, 'hex'), 'Linear-Delivery': 'lin-1' }, body);
    },
    signatureHeader: 'Linear-Signature',
    toleranceSeconds: 60,
    coversBody: true,
    rotates: true,
    deliveryId: 'lin-1',
  },
  {
    name: 'square',
    setting: (secrets) => ({ type: 'square', secrets, notificationUrl: 'https://public.example.com/square' }),
    makeSecrets: plainSecrets,
    sign: ({ secret }) =>
      request({
        'x-square-hmacsha256-signature': hmac('sha256', secret, `https://public.example.com/square${BODY}`, 'base64'),
      }),
    signatureHeader: 'x-square-hmacsha256-signature',
    coversBody: true,
    rotates: true,
    deliveryId: 'ev_2',
  },
  {
    name: 'square (request URL)',
    setting: (secrets) => ({ type: 'square', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret }) =>
      request({ 'x-square-hmacsha256-signature': hmac('sha256', secret, `${URL}${BODY}`, 'base64') }),
    signatureHeader: 'x-square-hmacsha256-signature',
    coversBody: true,
    rotates: true,
    deliveryId: 'ev_2',
  },
  {
    name: 'zoom',
    setting: (secrets) => ({ type: 'zoom', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret, timestampMs }) => {
      const ts = String(seconds(timestampMs));
      return request({
        'x-zm-signature': `v0=${hmac('sha256', secret, `v0:${ts}:${BODY}`, 'hex')}`,
        'x-zm-request-timestamp': ts,
      });
    },
    signatureHeader: 'x-zm-signature',
    toleranceSeconds: 300,
    coversBody: true,
    rotates: true,
  },
  bodyHmacRow('x', 'x-twitter-webhooks-signature', 'sha256', 'base64', 'sha256='),
  bodyHmacRow('intuit', 'intuit-signature', 'sha256', 'base64'),
  bodyHmacRow('jira', 'X-Hub-Signature', 'sha256', 'hex', 'sha256=', ['X-Atlassian-Webhook-Identifier', 'jira-1']),
  bodyHmacRow('dropbox', 'X-Dropbox-Signature', 'sha256', 'hex'),
  {
    name: 'pagerduty',
    setting: (secrets) => ({ type: 'pagerduty', secrets }),
    makeSecrets: plainSecrets,
    // PagerDuty sends one v1= per active secret; the one under test is second.
    sign: ({ secret }) =>
      request({
        'X-PagerDuty-Signature': `v1=${hmac('sha256', 'another-secret', BODY, 'hex')},v1=${hmac('sha256', secret, BODY, 'hex')}`,
        'X-Webhook-Id': 'pd-1',
      }),
    signatureHeader: 'X-PagerDuty-Signature',
    coversBody: true,
    rotates: true,
    deliveryId: 'pd-1',
  },
  {
    ...bodyHmacRow('circleci', 'circleci-signature', 'sha256', 'hex', 'v1='),
    deliveryId: 'evt_1',
  },
  {
    name: 'mailgun (JSON)',
    setting: (secrets) => ({ type: 'mailgun', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret, timestampMs }) => {
      const timestamp = String(seconds(timestampMs));
      const token = 'tok_hello_0123456789';
      const signature = { timestamp, token, signature: hmac('sha256', secret, timestamp + token, 'hex') };
      return request({}, JSON.stringify({ signature, 'event-data': { id: 'mg-1', event: 'delivered' } }));
    },
    toleranceSeconds: 300,
    // Mailgun signs timestamp + token, not the body: the tamper case changes the token ("hello").
    coversBody: true,
    rotates: true,
    deliveryId: 'mg-1',
  },
  {
    name: 'mailgun (form)',
    setting: (secrets) => ({ type: 'mailgun', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret, timestampMs }) => {
      const timestamp = String(seconds(timestampMs));
      const token = 'tok_hello_0123456789';
      const form = new URLSearchParams({
        timestamp,
        token,
        signature: hmac('sha256', secret, timestamp + token, 'hex'),
      });
      return request({ 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
    },
    toleranceSeconds: 300,
    coversBody: true,
    rotates: true,
    deliveryId: 'tok_hello_0123456789',
  },
  { ...bodyHmacRow('typeform', 'Typeform-Signature', 'sha256', 'base64', 'sha256='), deliveryId: 'ev_2' },
  {
    name: 'paddle',
    setting: (secrets) => ({ type: 'paddle', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret, timestampMs }) => {
      const ts = seconds(timestampMs);
      return request({ 'Paddle-Signature': `ts=${ts};h1=${hmac('sha256', secret, `${ts}:${BODY}`, 'hex')}` });
    },
    signatureHeader: 'Paddle-Signature',
    toleranceSeconds: 5,
    coversBody: true,
    rotates: true,
    deliveryId: 'ev_2',
  },
  bodyHmacRow('woocommerce', 'X-WC-Webhook-Signature', 'sha256', 'base64', '', ['X-WC-Webhook-Delivery-ID', 'wc-1']),
  bodyHmacRow('sentry', 'Sentry-Hook-Signature', 'sha256', 'hex', '', ['Request-ID', 'sentry-1']),
  {
    name: 'zendesk',
    setting: (secrets) => ({ type: 'zendesk', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret, timestampMs }) => {
      const ts = new Date(timestampMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
      return request({
        'X-Zendesk-Webhook-Signature': hmac('sha256', secret, ts + BODY, 'base64'),
        'X-Zendesk-Webhook-Signature-Timestamp': ts,
      });
    },
    signatureHeader: 'X-Zendesk-Webhook-Signature',
    toleranceSeconds: 300,
    coversBody: true,
    rotates: true,
  },
  {
    name: 'calendly',
    setting: (secrets) => ({ type: 'calendly', secrets }),
    makeSecrets: plainSecrets,
    sign: ({ secret, timestampMs }) => {
      const t = seconds(timestampMs);
      return request({ 'Calendly-Webhook-Signature': `t=${t},v1=${hmac('sha256', secret, `${t}.${BODY}`, 'hex')}` });
    },
    signatureHeader: 'Calendly-Webhook-Signature',
    toleranceSeconds: 180,
    coversBody: true,
    rotates: true,
  },
  { ...bodyHmacRow('vercel', 'x-vercel-signature', 'sha1', 'hex'), deliveryId: 'evt_1' },
  {
    name: 'hmac (generic, timestamped)',
    setting: (secrets) => ({
      type: 'hmac',
      secrets,
      header: 'X-Signature',
      algorithm: 'sha512',
      encoding: 'base64',
      prefix: 'sha512=',
      signedContent: '{timestamp}.{body}',
      timestampHeader: 'X-Timestamp',
      timestampFormat: 'ms',
      toleranceSeconds: 120,
      deliveryIdHeader: 'X-Delivery',
    }),
    makeSecrets: plainSecrets,
    sign: ({ secret, timestampMs }) =>
      request({
        'X-Signature': `sha512=${hmac('sha512', secret, `${timestampMs}.${BODY}`, 'base64')}`,
        'X-Timestamp': String(timestampMs),
        'X-Delivery': 'gen-1',
      }),
    signatureHeader: 'X-Signature',
    toleranceSeconds: 120,
    coversBody: true,
    rotates: true,
    deliveryId: 'gen-1',
  },
  {
    name: 'basic-auth',
    setting: ([password]) => ({ type: 'basic-auth', username: 'hookd', password }),
    makeSecrets: plainSecrets,
    sign: ({ secret }) => request({ Authorization: `Basic ${Buffer.from(`hookd:${secret}`).toString('base64')}` }),
    signatureHeader: 'Authorization',
    coversBody: false,
    rotates: false,
  },
  {
    name: 'api-key',
    setting: ([key]) => ({ type: 'api-key', header: 'X-Api-Key', key }),
    makeSecrets: plainSecrets,
    sign: ({ secret }) => request({ 'X-Api-Key': secret }),
    signatureHeader: 'X-Api-Key',
    coversBody: false,
    rotates: false,
  },
];
