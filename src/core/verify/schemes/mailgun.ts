import { createHmac } from 'node:crypto';
import { decodeSignature, equalBytes } from '../constant-time.js';
import type { ProviderSpec } from '../provider-spec.js';
import { formFields, isFormBody, jsonBody, jsonField } from '../request-parts.js';
import { checkKnownFields, checkTolerance, requireSecrets } from '../setting-fields.js';
import { checkTimestampWindow, parseTimestamp } from '../timestamp-window.js';
import type { VerifiableRequest, Verification, VerifyContext, VerifyResult } from '../types.js';
import { noMatchDetail, signatureInvalid, signatureMissing, verified } from '../verify-results.js';

/**
 * Mailgun (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks):
 * the signature is in the body, not a header: JSON `{"signature": {timestamp, token, signature},
 * "event-data": {...}}`, or form fields `timestamp`, `token`, `signature` (legacy and inbound
 * routes). `signature` is the hex HMAC-SHA256 of timestamp + token (no separator) keyed by the
 * webhook signing key. The body itself is not signed; the token is single-use, so a receiver
 * deduplicating on it stops replays. Delivery id: `event-data.id` (JSON), else the token. Timestamp: Unix seconds.
 */

const DEFAULT_TOLERANCE_SECONDS = 300;

interface MailgunFields {
  timestamp?: unknown;
  token?: unknown;
  signature?: unknown;
  /** `event-data.id` of a JSON body: the event's id, the same on every retry. */
  eventId?: unknown;
}

function fieldsOf(request: VerifiableRequest): MailgunFields {
  if (isFormBody(request)) {
    const form = formFields(request);
    return {
      timestamp: form.get('timestamp')?.[0],
      token: form.get('token')?.[0],
      signature: form.get('signature')?.[0],
    };
  }
  const body = jsonBody(request);
  const signature = jsonField(body, 'signature');
  if (typeof signature !== 'object' || signature === null) return {};
  return { ...(signature as MailgunFields), eventId: jsonField(body, 'event-data.id') };
}

function verifyMailgun(request: VerifiableRequest, setting: Verification, context: VerifyContext): VerifyResult {
  const { timestamp, token, signature, eventId } = fieldsOf(request);
  if (typeof signature !== 'string' || signature === '') {
    return signatureMissing('no signature in the body (signature.signature in JSON, or a signature form field)');
  }
  if (typeof token !== 'string' || token === '') return signatureMissing('no signature token in the body');
  if (typeof timestamp !== 'string' && typeof timestamp !== 'number') {
    return signatureMissing('no signature timestamp in the body');
  }
  const timestampMs = parseTimestamp(timestamp, 's');
  if (timestampMs === undefined) return signatureInvalid('the signature timestamp is not a Unix time in seconds');
  const given = decodeSignature(signature, 'hex');
  if (!given) return signatureInvalid('the signature is not hex');
  const content = `${timestamp}${token}`;
  const secrets = setting.secrets ?? [];
  if (!secrets.some((secret) => equalBytes(given, createHmac('sha256', secret).update(content, 'utf8').digest()))) {
    return signatureInvalid(noMatchDetail('the body signature', secrets.length));
  }
  const tolerance = setting.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  return (
    checkTimestampWindow(timestampMs, context.now, tolerance, 'the signature timestamp') ??
    verified(typeof eventId === 'string' && eventId ? eventId : token)
  );
}

export const mailgun: ProviderSpec = {
  parse(setting) {
    checkKnownFields(setting, ['secrets', 'toleranceSeconds']);
    requireSecrets(setting);
    checkTolerance(setting);
    return setting;
  },
  verify: verifyMailgun,
};
