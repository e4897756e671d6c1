import { createHmac, createPublicKey, randomBytes, verify as verifyWithKey, type KeyObject } from 'node:crypto';
import { equalBytes, decodeSignature } from '../constant-time.js';
import type { ProviderSpec } from '../provider-spec.js';
import { headerValue } from '../request-parts.js';
import { checkKnownFields, checkTolerance, requireSecrets } from '../setting-fields.js';
import { ValidationError } from '../../errors.js';
import { checkTimestampWindow, parseTimestamp } from '../timestamp-window.js';
import type { VerifiableRequest, Verification, VerifyContext, VerifyResult } from '../types.js';
import { noMatchDetail, signatureInvalid, signatureMissing, verified } from '../verify-results.js';

/**
 * Standard Webhooks (https://www.standardwebhooks.com, spec:
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md), and
 * Svix, which names the same headers `svix-*` (https://docs.svix.com/receiving/verifying-payloads/how-manual).
 *
 * Signed content `{id}.{timestamp}.{body}`; `webhook-signature` holds space-separated entries:
 * `v1,<base64 HMAC-SHA256>` keyed by the base64-decoded `whsec_` secret, or `v1a,<base64 ed25519>`
 * checked with a `whpk_<base64 of the raw 32-byte public key>` secret. Timestamp: Unix seconds.
 */

const DEFAULT_TOLERANCE_SECONDS = 300;
const ID_HEADERS = ['webhook-id', 'svix-id'] as const;
const TIMESTAMP_HEADERS = ['webhook-timestamp', 'svix-timestamp'] as const;
const SIGNATURE_HEADERS = ['webhook-signature', 'svix-signature'] as const;
// DER prefix turning a raw 32-byte ed25519 public key into SPKI (RFC 8410).
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Base64 decoded strictly: Buffer.from ignores trailing junk, so a mistyped secret would pass. */
function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '') ? bytes : undefined;
}

type Key = { kind: 'hmac'; key: Buffer } | { kind: 'ed25519'; key: KeyObject };

/** The key a secret stands for, or a reason it is not one. */
function keyOf(secret: string): Key | string {
  if (secret.startsWith('whpk_')) {
    const raw = secret.slice(5);
    const bytes = decodeBase64(raw);
    if (bytes?.length !== 32) return 'a whpk_ key is the base64 of a 32-byte ed25519 public key';
    return {
      kind: 'ed25519',
      key: createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, bytes]), format: 'der', type: 'spki' }),
    };
  }
  if (secret.startsWith('whsk_')) return "a whsk_ key is the sender's private key: give its whpk_ public key";
  const raw = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  const key = decodeBase64(raw);
  if (!key) return 'a secret is whsec_ followed by base64 (or a whpk_ public key)';
  return { kind: 'hmac', key };
}

function parse(setting: Verification): Verification {
  checkKnownFields(setting, ['secrets', 'toleranceSeconds']);
  requireSecrets(setting).forEach((secret, index) => {
    const key = keyOf(secret);
    if (typeof key === 'string') {
      throw new ValidationError(`verification.secrets[${index}]: ${key}`, `verification.secrets[${index}]`);
    }
  });
  checkTolerance(setting);
  return setting;
}

function verifyStandard(request: VerifiableRequest, setting: Verification, context: VerifyContext): VerifyResult {
  const id = headerValue(request, ID_HEADERS);
  const timestamp = headerValue(request, TIMESTAMP_HEADERS);
  const signatureHeader = headerValue(request, SIGNATURE_HEADERS);
  if (!signatureHeader?.trim()) return signatureMissing('no webhook-signature (or svix-signature) header');
  if (!id) return signatureMissing('no webhook-id (or svix-id) header');
  if (!timestamp) return signatureMissing('no webhook-timestamp (or svix-timestamp) header');
  const timestampMs = parseTimestamp(timestamp, 's');
  if (timestampMs === undefined) return signatureInvalid('webhook-timestamp is not a Unix time in seconds');

  const entries = signatureHeader.split(' ').filter(Boolean);
  const hmacSignatures: Uint8Array[] = [];
  const edSignatures: Uint8Array[] = [];
  for (const entry of entries) {
    const comma = entry.indexOf(',');
    const version = entry.slice(0, comma);
    const bytes = comma > 0 ? decodeSignature(entry.slice(comma + 1), 'base64') : undefined;
    if (!bytes) continue;
    if (version === 'v1') hmacSignatures.push(bytes);
    else if (version === 'v1a') edSignatures.push(bytes);
  }
  if (hmacSignatures.length + edSignatures.length === 0) {
    return signatureInvalid('the webhook-signature header holds no v1,<base64> or v1a,<base64> entry');
  }

  const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), Buffer.from(request.body)]);
  const secrets = setting.secrets ?? [];
  const matched = secrets.some((secret) => {
    const key = keyOf(secret);
    if (typeof key === 'string') return false;
    if (key.kind === 'hmac') {
      const expected = createHmac('sha256', key.key).update(content).digest();
      return hmacSignatures.some((signature) => equalBytes(signature, expected));
    }
    return edSignatures.some(
      (signature) => signature.length === 64 && verifyWithKey(null, content, key.key, signature),
    );
  });
  if (!matched) return signatureInvalid(noMatchDetail('webhook-signature', secrets.length));
  const tolerance = setting.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  return checkTimestampWindow(timestampMs, context.now, tolerance, 'webhook-timestamp') ?? verified(id);
}

/**
 * Signs as a Standard Webhooks sender: `webhook-id` (kept when the request has one, else a new
 * `msg_` id), `webhook-timestamp` (now, seconds) and `webhook-signature: v1,<base64 HMAC>`, keyed
 * by a `whsec_` secret. Throws `ValidationError` for a secret that is not one.
 */
function signStandard(request: VerifiableRequest, secret: string, nowMs: number): [string, string][] {
  const key = keyOf(secret);
  if (typeof key === 'string' || key.kind !== 'hmac') {
    throw new ValidationError('signing needs a whsec_ secret (base64 after whsec_)', 'secret');
  }
  const headers: [string, string][] = [];
  let id = headerValue(request, ID_HEADERS);
  if (!id) {
    id = `msg_${randomBytes(16).toString('hex')}`;
    headers.push(['webhook-id', id]);
  }
  let timestamp = headerValue(request, TIMESTAMP_HEADERS);
  if (!timestamp) {
    timestamp = String(Math.floor(nowMs / 1000));
    headers.push(['webhook-timestamp', timestamp]);
  }
  const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), Buffer.from(request.body)]);
  headers.push(['webhook-signature', `v1,${createHmac('sha256', key.key).update(content).digest('base64')}`]);
  return headers;
}

export const standardWebhooks: ProviderSpec = { parse, verify: verifyStandard, sign: signStandard };
