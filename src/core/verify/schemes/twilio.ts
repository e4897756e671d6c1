import { createHash, createHmac } from 'node:crypto';
import { decodeSignature, equalBytes, equalStrings } from '../constant-time.js';
import type { ProviderSpec } from '../provider-spec.js';
import { formFields, headerValue, isFormBody } from '../request-parts.js';
import { checkKnownFields, requireSecrets } from '../setting-fields.js';
import type { VerifiableRequest, Verification, VerifyResult } from '../types.js';
import { noMatchDetail, signatureInvalid, signatureMissing, verified } from '../verify-results.js';

/**
 * Twilio (https://www.twilio.com/docs/usage/webhooks/webhooks-security): `X-Twilio-Signature` is
 * the base64 HMAC-SHA1 (HMAC-SHA256 when `X-Twilio-Webhooks-Signature-Settings` says
 * `algorithm=HMAC_SHA256`), keyed by the auth token, of the full URL followed by every form
 * parameter sorted by name, name then value, no separators. A JSON body is not in the signature:
 * the URL carries `bodySHA256` = hex SHA-256 of the body, and the signature covers the URL alone.
 * Like twilio-node's `validateRequest`, the URL is tried with and without its default port.
 * No timestamp. Delivery id: `I-Twilio-Idempotency-Token`.
 */

function signedUrls(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match;
  const host = authority.replace(/:\d+$/, '');
  const port = scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return [...new Set([url, scheme + host + rest, scheme + host + port + rest])];
}

function bodySha256Param(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('bodySHA256') ?? undefined;
  } catch {
    return undefined;
  }
}

function sortedParams(request: VerifiableRequest): string {
  if (!isFormBody(request)) return '';
  const fields = formFields(request);
  return [...fields.keys()]
    .sort()
    .map((name) =>
      [...new Set(fields.get(name))]
        .sort()
        .map((value) => name + value)
        .join(''),
    )
    .join('');
}

function verifyTwilio(request: VerifiableRequest, setting: Verification): VerifyResult {
  const header = headerValue(request, 'x-twilio-signature');
  if (!header?.trim()) return signatureMissing('no X-Twilio-Signature header');
  const signature = decodeSignature(header, 'base64');
  if (!signature) return signatureInvalid('the X-Twilio-Signature header is not base64');
  const settings = headerValue(request, 'x-twilio-webhooks-signature-settings') ?? '';
  const algorithm = /algorithm\s*=\s*HMAC_SHA256/i.test(settings) ? 'sha256' : 'sha1';

  const bodyHash = bodySha256Param(request.url);
  if (bodyHash !== undefined) {
    const actual = createHash('sha256').update(request.body).digest('hex');
    if (!equalStrings(bodyHash.toLowerCase(), actual)) {
      return signatureInvalid('the body does not match the bodySHA256 in the URL: the body was altered');
    }
  }
  const params = bodyHash === undefined ? sortedParams(request) : '';
  const secrets = setting.secrets ?? [];
  const matched = signedUrls(request.url).some((url) =>
    secrets.some((secret) =>
      equalBytes(
        signature,
        createHmac(algorithm, secret)
          .update(url + params, 'utf8')
          .digest(),
      ),
    ),
  );
  if (!matched) return signatureInvalid(noMatchDetail('X-Twilio-Signature', secrets.length));
  return verified(headerValue(request, 'i-twilio-idempotency-token'));
}

/**
 * Signs a form request as Twilio does: HMAC-SHA1 of the URL and the sorted parameters. A JSON
 * body is signed through the URL's `bodySHA256`, which the caller must have put in the URL.
 */
function signTwilio(request: VerifiableRequest, secret: string): [string, string][] {
  const params = bodySha256Param(request.url) === undefined ? sortedParams(request) : '';
  return [
    [
      'x-twilio-signature',
      createHmac('sha1', secret)
        .update(request.url + params, 'utf8')
        .digest('base64'),
    ],
  ];
}

export const twilio: ProviderSpec = {
  sign: signTwilio,
  parse(setting) {
    checkKnownFields(setting, ['secrets']);
    requireSecrets(setting);
    return setting;
  },
  verify: verifyTwilio,
};
