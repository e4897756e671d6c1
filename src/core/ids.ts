import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 27;
const ALPHABET_CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const WORD = 2 ** 32;

let lastMs = 0;
let sequence = 0;

/**
 * Random bytes drawn 4 KiB at a time: one `randomBytes(12)` call per id cost more than the rest
 * of `messages.create` in profiles of the hot path.
 */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/**
 * A Svix-style id: `prefix_` + 27 base62 characters that sort by creation time.
 * 48 bits of milliseconds, a 16-bit sequence that makes ids minted in the same millisecond by one
 * process strictly increasing, then 96 random bits. Lists page by id, so this order is the
 * order of creation and a cursor never skips nor repeats a row.
 */
export function newId(prefix: string, nowMs = Date.now()): string {
  if (nowMs <= lastMs) {
    sequence = (sequence + 1) & 0xffff;
    if (sequence === 0) lastMs += 1; // 65,536 ids in one ms: borrow the next ms
    nowMs = lastMs;
  } else {
    lastMs = nowMs;
    sequence = 0;
  }
  if (randomOffset + 12 > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  // The 20 bytes as five big-endian words, read straight from the clock and the pool.
  const words = [
    Math.floor(nowMs / 0x10000),
    (nowMs % 0x10000) * 0x10000 + sequence,
    randomPool.readUInt32BE(randomOffset),
    randomPool.readUInt32BE(randomOffset + 4),
    randomPool.readUInt32BE(randomOffset + 8),
  ];
  randomOffset += 12;
  return `${prefix}_${wordsToBase62(words)}`;
}

/**
 * The least id with this prefix minted at or after `ms`: `id >= idFloor(prefix, ms)` selects rows
 * created since `ms` through the primary key, as ids sort by creation time.
 */
export function idFloor(prefix: string, ms: number): string {
  const bytes = Buffer.alloc(20);
  bytes.writeUIntBE(Math.max(0, Math.floor(ms)), 0, 6);
  return `${prefix}_${toBase62(bytes)}`;
}

/** 20 bytes (a big-endian number below 2^160) as 27 base62 digits, zero-padded: ids sort as their bytes. */
export function toBase62(bytes: Buffer): string {
  return wordsToBase62([
    bytes.readUInt32BE(0),
    bytes.readUInt32BE(4),
    bytes.readUInt32BE(8),
    bytes.readUInt32BE(12),
    bytes.readUInt32BE(16),
  ]);
}

/** 62^3: three digits per long division (a remainder below it, times 2^32, stays below 2^53). */
const CHUNK = 62 * 62 * 62;

/**
 * Five 32-bit words (most significant first; consumed) as 27 base62 digits. Long division by 62^3
 * over the words, three digits at a time, least significant first: BigInt arithmetic here cost
 * ~2 µs per id, a division by 62 per digit ~1.6 µs per `newId`.
 */
function wordsToBase62(words: number[]): string {
  const codes = new Array<number>(BODY_LENGTH);
  for (let at = BODY_LENGTH - 1; at >= 0; at -= 3) {
    let remainder = 0;
    for (let i = 0; i < 5; i++) {
      const value = remainder * WORD + words[i];
      words[i] = Math.floor(value / CHUNK);
      remainder = value - words[i] * CHUNK;
    }
    codes[at] = ALPHABET_CODES[remainder % 62];
    codes[at - 1] = ALPHABET_CODES[Math.floor(remainder / 62) % 62];
    codes[at - 2] = ALPHABET_CODES[Math.floor(remainder / 3844)];
  }
  return String.fromCharCode.apply(null, codes);
}

/** The random part of a token or secret, base62, `length` characters. */
export function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length)) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62]; // 248 = 4 * 62: no modulo bias
    }
  }
  return out;
}
