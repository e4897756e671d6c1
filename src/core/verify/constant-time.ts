import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Comparisons of sender-supplied signatures and tokens with what we expect, in constant time.
 * Never `===`: a comparison that stops at the first differing byte tells an attacker, by its
 * timing, how much of a forged signature is right.
 */

/** Whether two byte strings are equal; the length (not secret: fixed by the algorithm) is checked first. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether two strings (tokens, passwords) are equal, without leaking even their length: both
 * are hashed first, so the compared buffers always have 32 bytes.
 */
export function equalStrings(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a, 'utf8').digest();
  const digestB = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(digestA, digestB);
}

export type SignatureEncoding = 'hex' | 'base64';

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The bytes of a signature as sent, or undefined when it is not well-formed in `encoding`
 * (Buffer.from alone would skip bad characters and decode garbage into something).
 */
export function decodeSignature(value: string, encoding: SignatureEncoding): Uint8Array | undefined {
  const trimmed = value.trim();
  if (encoding === 'hex') return HEX.test(trimmed) ? Buffer.from(trimmed, 'hex') : undefined;
  return BASE64.test(trimmed) && trimmed.length % 4 === 0 ? Buffer.from(trimmed, 'base64') : undefined;
}
