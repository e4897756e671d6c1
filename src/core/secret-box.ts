import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/*
 * Secrets at rest: a stored secret (an endpoint's signing key, a header value, a source's
 * verification secret...) is kept as a sealed string, AES-256-GCM under the master key:
 *
 *     hkenc1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>
 *
 * The key id (8 hex digits of the key's SHA-256) says which master key sealed it, so that during a
 * rotation a keyring holding the new key and the old ones opens every value, and re-seals under
 * the new key whatever another key sealed. A value without the prefix is plaintext from before
 * encryption (or a caller's own plaintext) and opens as itself.
 */

/** AES-256: the master key is 32 bytes. */
export const MASTER_KEY_BYTES = 32;
const PREFIX = 'hkenc1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Opened values kept in memory, so that a claim does not decrypt the same endpoint's keys again. */
const OPENED_CACHE_SIZE = 10_000;

/** A stored value sealed under a master key this process does not have. */
export class MasterKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`a stored secret is encrypted under master key ${keyId}, which this process was not given`);
    this.name = 'MasterKeyError';
  }
}

/** Seals and opens stored secrets under the current master key; opens those of the previous ones. */
export interface Keyring {
  /** Id of the key that seals. */
  readonly currentKeyId: string;
  /** Ids of every key this keyring opens (current first). */
  readonly keyIds: readonly string[];
  /** A new sealed string for `plain` (a fresh IV each time). */
  seal(plain: string): string;
  /** The plaintext of a sealed value; a value that is not sealed is returned as is. `MasterKeyError` for an unknown key. */
  open(value: string): string;
  /** `value` sealed under the current key: itself when it already is, else sealed afresh (plaintext included). */
  reseal(value: string): string;
}

/** A 32-byte key from its text: base64 (44 characters) or hex (64). Throws on anything else. */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const hex = /^[0-9a-f]{64}$/i.test(trimmed);
  const key = Buffer.from(trimmed, hex ? 'hex' : 'base64');
  if (key.length !== MASTER_KEY_BYTES || (!hex && key.toString('base64') !== trimmed)) {
    throw new Error('a master key is 32 bytes, written as base64 (44 characters) or hex (64 digits)');
  }
  return key;
}

/** A new random master key, as base64 text. */
export function generateMasterKey(): string {
  return randomBytes(MASTER_KEY_BYTES).toString('base64');
}

/** The public id of a key: 8 hex digits of its SHA-256 (names the key, reveals nothing useful). */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Whether `value` is a sealed string (of any key). */
export const isSealed = (value: string): boolean => value.startsWith(PREFIX);

/** A keyring that seals with `current` and opens what `current` or any of `previous` sealed. */
export function createKeyring(current: Buffer, previous: readonly Buffer[] = []): Keyring {
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...previous]) keys.set(masterKeyId(key), key);
  const currentKeyId = masterKeyId(current);
  const opened = new Map<string, string>();

  const seal = (plain: string): string => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current, iv);
    const body = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${currentKeyId}:${body.toString('base64url')}`;
  };

  const decrypt = (value: string): string => {
    const keyId = value.slice(PREFIX.length, PREFIX.length + 8);
    const key = keys.get(keyId);
    if (!key) throw new MasterKeyError(keyId);
    const body = Buffer.from(value.slice(PREFIX.length + 9), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    // A wrong tag (a value altered in the database) throws here: never a silently wrong secret.
    return Buffer.concat([
      decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  };

  const open = (value: string): string => {
    if (!isSealed(value)) return value;
    const cached = opened.get(value);
    if (cached !== undefined) return cached;
    const plain = decrypt(value);
    // A bounded cache: past its size it starts over, which costs one decryption per value again.
    if (opened.size >= OPENED_CACHE_SIZE) opened.clear();
    opened.set(value, plain);
    return plain;
  };

  return {
    currentKeyId,
    keyIds: [...keys.keys()],
    seal,
    open,
    reseal: (value) => (value.startsWith(`${PREFIX}${currentKeyId}:`) ? value : seal(open(value))),
  };
}
