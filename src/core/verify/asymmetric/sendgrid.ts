import type { ProviderSpec } from '../provider-spec.js';
import { p256KeyFromBase64 } from './public-keys.js';
import {
  checkSignedTime,
  failure,
  headerOf,
  missingHeaders,
  toleranceOf,
  unixSecondsToMs,
  verifyQuietly,
} from './request-parts.js';
import { checkKnownFields, checkTolerance } from '../setting-fields.js';
import { requireSecrets } from './setting-fields.js';

const SIGNATURE = 'X-Twilio-Email-Event-Webhook-Signature';
const TIMESTAMP = 'X-Twilio-Email-Event-Webhook-Timestamp';

/**
 * SendGrid's Signed Event Webhook: ECDSA P-256 with SHA-256 over `timestamp + body`, the
 * signature base64 DER in `X-Twilio-Email-Event-Webhook-Signature`, the Unix-seconds timestamp in
 * `X-Twilio-Email-Event-Webhook-Timestamp`. Setting: `{type: 'sendgrid', secrets: [<the
 * verification key from Mail Settings: base64 SPKI DER>]}`, `toleranceSeconds` (default 300).
 * No deliveryId: a request carries a batch of events, each with its own `sg_event_id`.
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 */
export const sendgridProvider: ProviderSpec = {
  parse(setting) {
    checkKnownFields(setting, ['secrets', 'toleranceSeconds']);
    requireSecrets(setting, 'the base64 verification key from Mail Settings').forEach((key, i) => {
      p256KeyFromBase64(key, `secrets[${i}]`);
    });
    checkTolerance(setting);
    return setting;
  },

  verify(request, setting, context) {
    const missing = missingHeaders(request, [SIGNATURE, TIMESTAMP]);
    if (missing.length > 0) return failure('signature_missing', `no ${missing.join(' or ')} header`);
    const timestamp = headerOf(request, TIMESTAMP)!;
    const late = checkSignedTime(unixSecondsToMs(timestamp), context.now, toleranceOf(setting), TIMESTAMP);
    if (late) return late;
    const signature = Buffer.from(headerOf(request, SIGNATURE)!, 'base64');
    const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), request.body]);
    for (const text of setting.secrets ?? []) {
      const key = p256KeyFromBase64(text, 'secrets');
      if (verifyQuietly('sha256', signed, { key, dsaEncoding: 'der' }, signature)) return { ok: true };
    }
    return failure('signature_invalid', `${SIGNATURE} matches none of the public keys`);
  },
};
