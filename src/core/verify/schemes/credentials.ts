import { ValidationError } from '../../errors.js';
import { equalStrings } from '../constant-time.js';
import type { ProviderSpec } from '../provider-spec.js';
import { headerValue } from '../request-parts.js';
import { checkKnownFields, requireHeaderName, requireSecrets, requireString } from '../setting-fields.js';
import { signatureInvalid, signatureMissing, verified } from '../verify-results.js';

/**
 * The schemes that send a shared credential instead of a signature: the body is not covered, so
 * they only prove the sender knows the credential (use HTTPS). Compared in constant time.
 */

/** No verification: every request is accepted. */
export const none: ProviderSpec = {
  parse(setting) {
    checkKnownFields(setting, []);
    return setting;
  },
  verify: () => ({ ok: true }),
};

/**
 * GitLab (https://docs.gitlab.com/user/project/integrations/webhooks/#validate-requests-with-a-secret-token):
 * `X-Gitlab-Token` carries the secret token as is. Delivery id: `Idempotency-Key`, else
 * `X-Gitlab-Event-UUID`.
 */
export const gitlab: ProviderSpec = {
  parse(setting) {
    checkKnownFields(setting, ['secrets']);
    requireSecrets(setting);
    return setting;
  },
  verify(request, setting) {
    const token = headerValue(request, 'x-gitlab-token');
    if (!token) return signatureMissing('no X-Gitlab-Token header');
    const secrets = setting.secrets ?? [];
    // Every secret is compared (no short-circuit) so the time does not say which one matched.
    const matches = secrets.map((secret) => equalStrings(token, secret)).some(Boolean);
    if (!matches) return signatureInvalid('the X-Gitlab-Token header does not match the secret token');
    return verified(headerValue(request, ['idempotency-key', 'x-gitlab-event-uuid']));
  },
};

/** HTTP Basic authentication (RFC 7617): `{username, password}`. */
export const basicAuth: ProviderSpec = {
  parse(setting) {
    checkKnownFields(setting, ['username', 'password']);
    // RFC 7617: the user-id cannot contain a colon (the first one ends it).
    if (requireString(setting, 'username').includes(':')) {
      throw new ValidationError('verification.username: must not contain a colon', 'verification.username');
    }
    requireString(setting, 'password');
    return setting;
  },
  verify(request, setting) {
    const header = headerValue(request, 'authorization');
    if (!header) return signatureMissing('no Authorization header');
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!match) return signatureInvalid('the Authorization header is not Basic credentials');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return signatureInvalid('the Basic credentials have no user:password');
    const userOk = equalStrings(decoded.slice(0, colon), String(setting.username));
    const passwordOk = equalStrings(decoded.slice(colon + 1), String(setting.password));
    return userOk && passwordOk ? { ok: true } : signatureInvalid('wrong username or password');
  },
};

/** A fixed key in a header of your choosing: `{header, key}`. */
export const apiKey: ProviderSpec = {
  parse(setting) {
    checkKnownFields(setting, ['header', 'key']);
    requireHeaderName(setting, 'header');
    requireString(setting, 'key');
    return setting;
  },
  verify(request, setting) {
    const name = String(setting.header);
    const value = headerValue(request, name);
    if (!value) return signatureMissing(`no ${name} header`);
    return equalStrings(value, String(setting.key))
      ? { ok: true }
      : signatureInvalid(`the ${name} header does not match the key`);
  },
};
