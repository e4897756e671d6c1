import { createPublicKey, type KeyObject } from 'node:crypto';
import { ValidationError } from '../../errors.js';

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** An Ed25519 public key from its 64 hex digits (Discord's "Public Key"); throws ValidationError. */
export function ed25519KeyFromHex(hex: string, field: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ValidationError('an Ed25519 public key is 64 hex digits (32 bytes)', field);
  }
  try {
    return createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
      format: 'der',
      type: 'spki',
    });
  } catch {
    throw new ValidationError('not an Ed25519 public key', field);
  }
}

/**
 * A P-256 public key from base64 SubjectPublicKeyInfo DER (what SendGrid's settings page shows),
 * or from the same in a PEM `PUBLIC KEY` block; throws ValidationError.
 */
export function p256KeyFromBase64(text: string, field: string): KeyObject {
  let key: KeyObject;
  try {
    key = text.includes('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new ValidationError('not a base64 (SPKI DER) public key', field);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ValidationError('not an ECDSA P-256 public key', field);
  }
  return key;
}
