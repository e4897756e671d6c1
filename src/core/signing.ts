import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign as signWithKey,
  timingSafeEqual,
  verify as verifyWithKey,
  type KeyObject,
} from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com), as Svix does it.
 *
 * Signed content is `${msgId}.${timestampSeconds}.${payload}`, the payload being the exact bytes
 * sent (never re-serialized JSON). Three kinds of key:
 * - `whsec_<base64>` (or the same base64 without the prefix, as Svix accepts): a symmetric
 *   secret; the HMAC-SHA256 key is the base64-decoded part. Signature `v1,<base64 HMAC>`.
 * - `whsk_<base64>`: an ed25519 private key. Svix's form, which hookd generates and prints, is
 *   the base64 of 64 bytes: the 32-byte seed then the 32-byte public key (as Svix's server and
 *   ed25519-dalek's keypair bytes); the public half must be the seed's. The base64 of the bare
 *   32-byte seed (what hookd generated before) is accepted too. Signature `v1a,<base64 ed25519>`.
 * - `whpk_<base64>`: the matching ed25519 public key, raw 32 bytes; receivers verify with it.
 *
 * Freshness of the timestamp is the caller's business: core has no clock.
 */

const SECRET_PREFIX = 'whsec_';
const SIGNING_KEY_PREFIX = 'whsk_';
const PUBLIC_KEY_PREFIX = 'whpk_';

const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const ED25519_KEY_BYTES = 32;
/** Svix's `whsk_` body: seed ‖ public key. */
const ED25519_KEYPAIR_BYTES = 64;

/** The pattern Svix accepts for symmetric secrets; the decoded length is checked on top. */
const SYMMETRIC_SECRET_PATTERN = /^(whsec_)?[a-zA-Z0-9+/=]{32,100}$/;
const BASE64_PATTERN = /^[a-zA-Z0-9+/]+={0,2}$/;

// DER wrappers that turn a raw ed25519 seed / public key into PKCS8 / SPKI, the forms
// node:crypto imports without a JWK detour (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A new symmetric secret: `whsec_` + base64 of `bytes` random bytes (24..64; Svix uses 24). */
export function generateSecret(bytes = MIN_SECRET_BYTES): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new RangeError(`a secret has ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, not ${bytes}`);
  }
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/**
 * A new ed25519 key pair in Svix's form: `secret` = `whsk_` + base64 of the 32-byte seed followed
 * by the 32-byte public key, `publicKey` = `whpk_` + base64 of the raw 32-byte public key.
 */
export function generateSigningKeyPair(): { secret: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return {
    secret: SIGNING_KEY_PREFIX + Buffer.concat([seed, raw]).toString('base64'),
    publicKey: PUBLIC_KEY_PREFIX + raw.toString('base64'),
  };
}

/** The `whpk_` public key that verifies what a `whsk_` key (either form) signs. */
export function publicKeyOf(signingKey: string): string {
  const seed = signingSeedOf(signingKey);
  if (seed === null) throw new TypeError('a whsk_ key must be base64 of a 32-byte seed or 64-byte seed + public key');
  return PUBLIC_KEY_PREFIX + rawPublicKeyOf(seed).toString('base64');
}

/**
 * A key as Svix prints it: a `whsk_` key in either form becomes the 64-byte seed + public key form
 * (Svix tools load only that); any other secret is returned unchanged.
 */
export function toSvixKeyForm(secret: string): string {
  const seed = secret.startsWith(SIGNING_KEY_PREFIX) ? signingSeedOf(secret) : null;
  if (seed === null) return secret;
  return SIGNING_KEY_PREFIX + Buffer.concat([seed, rawPublicKeyOf(seed)]).toString('base64');
}

/**
 * Whether `s` can sign: `whsec_<base64 of 24..64 bytes>`, the same without the prefix, or a
 * `whsk_` ed25519 key (32-byte seed, or Svix's 64-byte seed + public key whose halves match).
 */
export function isValidSecret(s: string): boolean {
  if (s.startsWith(SIGNING_KEY_PREFIX)) return signingSeedOf(s) !== null;
  if (!SYMMETRIC_SECRET_PATTERN.test(s)) return false;
  const length = decodeBase64Strict(stripSecretPrefix(s))?.length ?? 0;
  return length >= MIN_SECRET_BYTES && length <= MAX_SECRET_BYTES;
}

/**
 * The `webhook-signature` header value: one signature per secret, space-separated, in the
 * order given (`v1,` for symmetric secrets, `v1a,` for `whsk_` keys). The payload is text (a
 * message, signed as its UTF-8 bytes) or bytes (a forwarded request's body, whatever it holds). Throws on a key that
 * `isValidSecret` rejects: keys are validated when stored, so that is a bug, not input.
 */
export function sign(
  secrets: readonly string[],
  msgId: string,
  timestampSeconds: number,
  payload: string | Uint8Array,
): string {
  const content =
    typeof payload === 'string'
      ? signedContent(msgId, timestampSeconds, payload)
      : Buffer.concat([Buffer.from(`${msgId}.${timestampSeconds}.`), payload]);
  let header = '';
  for (const secret of secrets) {
    if (header !== '') header += ' ';
    const key = signingKeyOf(secret);
    if (key instanceof Buffer) {
      header += `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
    } else {
      header += `v1a,${signWithKey(null, typeof content === 'string' ? Buffer.from(content) : content, key).toString('base64')}`;
    }
  }
  return header;
}

/** Decoded signing keys kept, by secret: an endpoint signs every message with the same few. */
const SIGNING_KEYS_KEPT = 10_000;
const signingKeys = new LRUCache<string, Buffer | KeyObject>({ max: SIGNING_KEYS_KEPT });

/**
 * The HMAC key (a symmetric secret) or the ed25519 private key (`whsk_`) that `secret` stands for,
 * decoded once per secret: importing an ed25519 key on every send made one `v1a` signature cost
 * ~0.8 ms of CPU instead of ~0.09 ms (measured). Throws a TypeError for a malformed secret (never cached).
 */
function signingKeyOf(secret: string): Buffer | KeyObject {
  let key = signingKeys.get(secret);
  if (key === undefined) {
    key = secret.startsWith(SIGNING_KEY_PREFIX) ? privateKeyFrom(secret) : symmetricKeyFrom(secret);
    signingKeys.set(secret, key);
  }
  return key;
}

/**
 * Whether any signature in `signatureHeader` is valid for this message. A symmetric secret
 * (`whsec_` or bare) checks the `v1,` entries, a `whpk_` public key (or its `whsk_` private
 * key) the `v1a,` entries; other versions are ignored, as the spec requires. Never throws.
 */
export function verify(
  secretOrPublicKey: string,
  msgId: string,
  timestampSeconds: number,
  payload: string,
  signatureHeader: string,
): boolean {
  let verifier: (content: Buffer, signature: Buffer) => boolean;
  let version: string;
  try {
    if (secretOrPublicKey.startsWith(PUBLIC_KEY_PREFIX) || secretOrPublicKey.startsWith(SIGNING_KEY_PREFIX)) {
      const key = secretOrPublicKey.startsWith(PUBLIC_KEY_PREFIX)
        ? publicKeyFrom(secretOrPublicKey)
        : createPublicKey(privateKeyFrom(secretOrPublicKey));
      version = 'v1a';
      verifier = (content, signature) => verifyWithKey(null, content, key, signature);
    } else {
      const key = symmetricKeyFrom(secretOrPublicKey);
      version = 'v1';
      let expected: Buffer | undefined;
      verifier = (content, signature) => {
        expected ??= createHmac('sha256', key).update(content).digest();
        // timingSafeEqual throws on unequal lengths; a length says nothing about the key.
        return signature.length === expected.length && timingSafeEqual(signature, expected);
      };
    }
  } catch {
    return false;
  }
  const content = Buffer.from(signedContent(msgId, timestampSeconds, payload));
  for (const entry of signatureHeader.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma <= 0 || entry.slice(0, comma) !== version) continue;
    const signature = decodeBase64Strict(entry.slice(comma + 1));
    if (signature !== null && verifier(content, signature)) return true;
  }
  return false;
}

function signedContent(msgId: string, timestampSeconds: number, payload: string): string {
  return `${msgId}.${timestampSeconds}.${payload}`;
}

function stripSecretPrefix(secret: string): string {
  return secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
}

function symmetricKeyFrom(secret: string): Buffer {
  const key = decodeBase64Strict(stripSecretPrefix(secret));
  if (key === null || key.length === 0) throw new TypeError('a signing secret must be base64');
  return key;
}

function privateKeyFrom(signingKey: string): KeyObject {
  const seed = signingSeedOf(signingKey, { checked: false });
  if (seed === null) throw new TypeError('a whsk_ key must be base64 of a 32-byte seed or 64-byte seed + public key');
  return privateKeyOfSeed(seed);
}

function privateKeyOfSeed(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function rawPublicKeyOf(seed: Buffer): Buffer {
  return Buffer.from(createPublicKey(privateKeyOfSeed(seed)).export({ format: 'jwk' }).x!, 'base64url');
}

/**
 * The 32-byte seed of a `whsk_` key, or null if it is neither form, or (unless `checked` is
 * false) a 64-byte key whose public half is not its seed's: such a key would sign with one key
 * while the endpoint's owner verifies with another. Signing skips the check: stored keys were
 * checked when they were stored.
 */
function signingSeedOf(signingKey: string, { checked = true } = {}): Buffer | null {
  if (!signingKey.startsWith(SIGNING_KEY_PREFIX)) return null;
  const raw = decodeBase64Strict(signingKey.slice(SIGNING_KEY_PREFIX.length));
  if (raw?.length === ED25519_KEY_BYTES) return raw;
  if (raw?.length !== ED25519_KEYPAIR_BYTES) return null;
  const seed = raw.subarray(0, ED25519_KEY_BYTES);
  if (checked && !rawPublicKeyOf(seed).equals(raw.subarray(ED25519_KEY_BYTES))) return null;
  return seed;
}

function publicKeyFrom(publicKey: string): KeyObject {
  const raw = decodeRawKey(publicKey, PUBLIC_KEY_PREFIX);
  if (raw === null) throw new TypeError('a whpk_ key must be base64 of a 32-byte ed25519 public key');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

function decodeRawKey(key: string, prefix: string): Buffer | null {
  if (!key.startsWith(prefix)) return null;
  const raw = decodeBase64Strict(key.slice(prefix.length));
  return raw !== null && raw.length === ED25519_KEY_BYTES ? raw : null;
}

/** Buffer.from(_, 'base64') skips bad characters silently; this refuses them instead. */
function decodeBase64Strict(text: string): Buffer | null {
  return BASE64_PATTERN.test(text) ? Buffer.from(text, 'base64') : null;
}
