import { crc32 } from 'node:zlib';
import { ValidationError } from '../../errors.js';
import type { ProviderSpec } from '../provider-spec.js';
import { loadProviderCertificate } from './provider-certificate.js';
import {
  checkSignedTime,
  failure,
  headerOf,
  jsonObjectOf,
  missingHeaders,
  toleranceOf,
  verifyQuietly,
} from './request-parts.js';
import { checkKnownFields, checkTolerance } from '../setting-fields.js';
import { rejectSecrets } from './setting-fields.js';

const ID = 'PAYPAL-TRANSMISSION-ID';
const TIME = 'PAYPAL-TRANSMISSION-TIME';
const SIG = 'PAYPAL-TRANSMISSION-SIG';
const CERT_URL = 'PAYPAL-CERT-URL';
const ALGO = 'PAYPAL-AUTH-ALGO';

/**
 * PayPal webhooks, verified offline ("self-verification"): RSA-SHA256 (`PAYPAL-AUTH-ALGO:
 * SHA256withRSA`) over `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body
 * as an unsigned decimal>`, the signature base64 in `PAYPAL-TRANSMISSION-SIG`, with the
 * certificate at `PAYPAL-CERT-URL` (fetched by `context.fetchCertificate`, only from PayPal's API
 * hosts). Setting: `{type: 'paypal', webhookId}` (the id PayPal gave the subscribed URL),
 * `toleranceSeconds` on `PAYPAL-TRANSMISSION-TIME` (default 300). deliveryId is the event's `id`
 * (stable across PayPal's retries), else the transmission id.
 * https://developer.paypal.com/api/rest/webhooks/rest/
 */
export const paypalProvider: ProviderSpec = {
  parse(setting) {
    rejectSecrets(setting, 'PayPal signs with its certificate; give webhookId');
    // `secrets` is refused above with what to give instead.
    checkKnownFields(setting, ['secrets', 'webhookId', 'toleranceSeconds']);
    // The pattern is PayPal's own for webhook_id (verify-webhook-signature request).
    if (typeof setting.webhookId !== 'string' || !/^[A-Za-z0-9]{1,50}$/.test(setting.webhookId)) {
      throw new ValidationError(
        'webhookId must be the webhook ID PayPal shows for this URL (letters, digits)',
        'webhookId',
      );
    }
    checkTolerance(setting);
    return setting;
  },

  async verify(request, setting, context) {
    const missing = missingHeaders(request, [ID, TIME, SIG, CERT_URL, ALGO]);
    if (missing.length > 0) return failure('signature_missing', `no ${missing.join(', ')} header`);
    const algorithm = headerOf(request, ALGO)!;
    if (algorithm !== 'SHA256withRSA') return failure('signature_invalid', `${ALGO} ${algorithm} is not supported`);
    const transmissionTime = headerOf(request, TIME)!;
    const late = checkSignedTime(Date.parse(transmissionTime), context.now, toleranceOf(setting), TIME);
    if (late) return late;

    const certificate = await loadProviderCertificate(headerOf(request, CERT_URL)!, 'paypal', context);
    if (!certificate.ok) return certificate.result;
    const transmissionId = headerOf(request, ID)!;
    const signed = `${transmissionId}|${transmissionTime}|${setting.webhookId}|${crc32(request.body)}`;
    const signature = Buffer.from(headerOf(request, SIG)!, 'base64');
    if (!verifyQuietly('sha256', Buffer.from(signed, 'utf8'), certificate.key, signature)) {
      return failure('signature_invalid', `${SIG} does not match the body and headers under PayPal's certificate`);
    }
    const eventId = jsonObjectOf(request.body)?.id;
    return { ok: true, deliveryId: typeof eventId === 'string' ? eventId : transmissionId };
  },
};
