import type { ProviderSpec } from '../provider-spec.js';
import { checkKnownFields, checkTolerance } from '../setting-fields.js';
import { requireSecrets } from './setting-fields.js';
import { ed25519KeyFromHex } from './public-keys.js';
import {
  checkSignedTime,
  failure,
  headerOf,
  jsonObjectOf,
  missingHeaders,
  toleranceOf,
  unixSecondsToMs,
  verifyQuietly,
} from './request-parts.js';

const SIGNATURE = 'X-Signature-Ed25519';
const TIMESTAMP = 'X-Signature-Timestamp';

/**
 * Discord interactions: Ed25519 over `X-Signature-Timestamp + body`, the signature in
 * `X-Signature-Ed25519` as hex. Setting: `{type: 'discord', secrets: [<application public key,
 * 64 hex digits>]}` (several during a rotation), `toleranceSeconds` (default 300).
 * deliveryId is the interaction's `id`.
 * https://discord.com/developers/docs/interactions/receiving-and-responding#security-and-authorization
 */
export const discordProvider: ProviderSpec = {
  parse(setting) {
    checkKnownFields(setting, ['secrets', 'toleranceSeconds']);
    requireSecrets(setting, "the application's public key (64 hex digits)").forEach((hex, i) => {
      ed25519KeyFromHex(hex, `secrets[${i}]`);
    });
    checkTolerance(setting);
    return setting;
  },

  verify(request, setting, context) {
    const missing = missingHeaders(request, [SIGNATURE, TIMESTAMP]);
    if (missing.length > 0) return failure('signature_missing', `no ${missing.join(' or ')} header`);
    const signatureHex = headerOf(request, SIGNATURE)!;
    const timestamp = headerOf(request, TIMESTAMP)!;
    const late = checkSignedTime(unixSecondsToMs(timestamp), context.now, toleranceOf(setting), TIMESTAMP);
    if (late) return late;
    if (!/^[0-9a-fA-F]{128}$/.test(signatureHex)) {
      return failure('signature_invalid', `${SIGNATURE} is not 64 bytes of hex`);
    }
    const signature = Buffer.from(signatureHex, 'hex');
    const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), request.body]);
    for (const hex of setting.secrets ?? []) {
      if (verifyQuietly(null, signed, ed25519KeyFromHex(hex, 'secrets'), signature)) {
        const id = jsonObjectOf(request.body)?.id;
        return { ok: true, deliveryId: typeof id === 'string' ? id : undefined };
      }
    }
    return failure('signature_invalid', `${SIGNATURE} matches none of the public keys`);
  },
};
