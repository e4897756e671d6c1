import { checkKnownFields } from '../setting-fields.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../../errors.js';
import type { ProviderSpec } from '../provider-spec.js';
import { failure, jsonObjectOf } from './request-parts.js';

/** Equal strings, compared in time independent of where they differ (digests hide the lengths). */
function equalsConstantTime(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Microsoft Graph change notifications. Graph does not sign them: each notification in the body's
 * `value` array carries the `clientState` given when the subscription was created, a shared
 * secret. Setting: `{type: 'microsoft-graph', secrets?: [<clientState>, ...]}`; every notification
 * must carry one of them (compared in constant time). With no secrets nothing is checked and the
 * type only answers Graph's `validationToken` handshake (see handshakes.ts). Graph's limit on a
 * clientState is 128 characters.
 * https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks
 */
export const microsoftGraphProvider: ProviderSpec = {
  parse(setting) {
    checkKnownFields(setting, ['secrets']);
    const secrets = setting.secrets;
    if (secrets === undefined) return setting;
    if (
      !Array.isArray(secrets) ||
      secrets.length === 0 ||
      secrets.some((s) => typeof s !== 'string' || s.length === 0 || s.length > 128)
    ) {
      throw new ValidationError('secrets must be the subscription clientState values (1-128 characters)', 'secrets');
    }
    return setting;
  },

  verify(request, setting) {
    const secrets = setting.secrets ?? [];
    if (secrets.length === 0) return { ok: true };
    const notifications = jsonObjectOf(request.body)?.value;
    if (!Array.isArray(notifications) || notifications.length === 0) {
      return failure('signature_missing', 'the body is not a Graph notification collection (no value array)');
    }
    for (const [i, notification] of notifications.entries()) {
      const clientState = (notification as { clientState?: unknown } | null)?.clientState;
      if (typeof clientState !== 'string') return failure('signature_missing', `value[${i}] has no clientState`);
      // Every secret is compared (no early exit), so the time does not tell which one matched.
      const matches = secrets.map((secret) => equalsConstantTime(clientState, secret));
      if (!matches.includes(true))
        return failure('signature_invalid', `value[${i}].clientState matches none of the secrets`);
    }
    return { ok: true };
  },
};
