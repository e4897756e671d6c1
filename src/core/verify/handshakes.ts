import { createHmac } from 'node:crypto';
import { asymmetricProviders } from './asymmetric/index.js';
import { jsonObjectOf } from './asymmetric/request-parts.js';
import type { HandshakeReply, VerifiableRequest, Verification, VerifyContext, VerifyResult } from './types.js';

/** What answering a handshake may need beyond what verifying a request does. */
export interface HandshakeContext extends VerifyContext {
  /**
   * Verifies a request against a setting with the table's verifier (`verify` of verification.ts),
   * for the handshakes signed with an HMAC scheme (Slack, Zoom). Without it those are not answered.
   * Discord and AWS SNS use their verifier in asymmetric/ when it is absent.
   */
  verifyFirst?: (setting: Verification, request: VerifiableRequest) => Promise<VerifyResult>;
  /**
   * GETs an AWS SNS `SubscribeURL` and must refuse one off the SNS hosts (see
   * `createSubscriptionConfirmer`). Without it a SubscriptionConfirmation is not answered.
   */
  confirmSubscription?: (url: string) => Promise<void>;
}

type Handshake = (
  setting: Verification,
  request: VerifiableRequest,
  context: HandshakeContext,
) => Promise<HandshakeReply | null>;

/** A JSON reply: values are encoded, never spliced into markup. */
function jsonReply(value: unknown): HandshakeReply {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

/** An echo of a sender's value: text/plain and nosniff so no browser renders it as HTML. */
function textReply(body: string): HandshakeReply {
  return {
    status: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
    body,
  };
}

function queryOf(request: VerifiableRequest): URLSearchParams {
  try {
    return new URL(request.url).searchParams;
  } catch {
    return new URLSearchParams();
  }
}

async function verifiedBy(
  setting: Verification,
  request: VerifiableRequest,
  context: HandshakeContext,
): Promise<boolean> {
  if (context.verifyFirst) return (await context.verifyFirst(setting, request)).ok;
  const own = asymmetricProviders[setting.type];
  return own ? (await own.verify(request, setting, context)).ok : false;
}

function hmacSha256(secret: string, text: string): Buffer {
  return createHmac('sha256', secret).update(text).digest();
}

/**
 * Slack: `url_verification` (JSON, signed like any event) is answered with its `challenge`
 * (https://api.slack.com/events/url_verification); a slash command's `ssl_check=1` (form) with an
 * empty 200 (https://api.slack.com/interactivity/slash-commands).
 */
const slack: Handshake = async (setting, request, context) => {
  const event = jsonObjectOf(request.body);
  if (event?.type === 'url_verification' && typeof event.challenge === 'string') {
    return (await verifiedBy(setting, request, context)) ? jsonReply({ challenge: event.challenge }) : null;
  }
  if (
    request.method === 'POST' &&
    new URLSearchParams(Buffer.from(request.body).toString('utf8')).get('ssl_check') === '1'
  ) {
    return { status: 200, headers: {}, body: '' };
  }
  return null;
};

/**
 * Zoom `endpoint.url_validation` (signed like any event): `{plainToken, encryptedToken}`, the
 * latter hex HMAC-SHA256 of plainToken under the secret token that verified the request.
 * https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint
 */
const zoom: Handshake = async (setting, request, context) => {
  const event = jsonObjectOf(request.body);
  const plainToken = (event?.payload as { plainToken?: unknown } | undefined)?.plainToken;
  if (event?.event !== 'endpoint.url_validation' || typeof plainToken !== 'string') return null;
  if (!context.verifyFirst) return null;
  // During a rotation, answer with the secret that signed this request: Zoom checks with it.
  for (const secret of setting.secrets ?? []) {
    if ((await context.verifyFirst({ ...setting, secrets: [secret] }, request)).ok) {
      return jsonReply({ plainToken, encryptedToken: hmacSha256(secret, plainToken).toString('hex') });
    }
  }
  return null;
};

/**
 * X (Twitter) Account Activity CRC: `GET ?crc_token=` is answered with
 * `{response_token: 'sha256=' + base64 HMAC-SHA256(consumer secret, crc_token)}`, the consumer
 * secret being the setting's first secret (the current one). The GET is not signed.
 * https://docs.x.com/x-api/webhooks/introduction
 */
const xCrc: Handshake = async (setting, request) => {
  const crcToken = queryOf(request).get('crc_token');
  const secret = setting.secrets?.[0];
  if (request.method !== 'GET' || crcToken === null || !secret) return null;
  return jsonReply({ response_token: `sha256=${hmacSha256(secret, crcToken).toString('base64')}` });
};

/**
 * Microsoft Graph: a `validationToken` query parameter is echoed, URL-decoded, as text/plain.
 * https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#notificationurl-validation
 */
const microsoftGraph: Handshake = async (_setting, request) => {
  const token = queryOf(request).get('validationToken');
  return token === null ? null : textReply(token);
};

/**
 * Dropbox: `GET ?challenge=` is echoed with `Content-Type: text/plain` and
 * `X-Content-Type-Options: nosniff`. https://www.dropbox.com/developers/reference/webhooks
 */
const dropbox: Handshake = async (_setting, request) => {
  const challenge = queryOf(request).get('challenge');
  return request.method === 'GET' && challenge !== null ? textReply(challenge) : null;
};

/**
 * Discord: a signed `PING` (type 1) is answered `{type: 1}` (PONG).
 * https://discord.com/developers/docs/interactions/receiving-and-responding#receiving-an-interaction
 */
const discord: Handshake = async (setting, request, context) => {
  if (jsonObjectOf(request.body)?.type !== 1) return null;
  return (await verifiedBy(setting, request, context)) ? jsonReply({ type: 1 }) : null;
};

/**
 * AWS SNS `SubscriptionConfirmation`: verified, then confirmed by a GET of its `SubscribeURL`
 * (through `context.confirmSubscription`, which refuses hosts off SNS), then answered 200. When
 * the confirmation cannot be made the message is left to the normal path, which keeps it: its
 * SubscribeURL can then be visited by hand.
 * https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.confirm.html
 */
const awsSns: Handshake = async (setting, request, context) => {
  const message = jsonObjectOf(request.body);
  if (message?.Type !== 'SubscriptionConfirmation' || typeof message.SubscribeURL !== 'string') return null;
  if (!context.confirmSubscription || !(await verifiedBy(setting, request, context))) return null;
  try {
    await context.confirmSubscription(message.SubscribeURL);
  } catch {
    return null;
  }
  return { status: 200, headers: {}, body: '' };
};

const HANDSHAKES: Readonly<Record<string, Handshake>> = {
  slack,
  zoom,
  x: xCrc,
  twitter: xCrc,
  'microsoft-graph': microsoftGraph,
  dropbox,
  discord,
  'aws-sns': awsSns,
};

/**
 * The reply a provider's set-up request expects, or `null` when the request is not a handshake
 * of the setting's type, or is one whose signature fails (the normal path then rejects it).
 * Never throws for what the sender controls.
 */
export async function answerHandshake(
  setting: Verification,
  request: VerifiableRequest,
  context: HandshakeContext,
): Promise<HandshakeReply | null> {
  const handshake = HANDSHAKES[setting.type];
  return handshake ? handshake(setting, request, context) : null;
}
