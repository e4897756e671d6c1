import type { MapSecret } from '../secret-fields.js';

/**
 * The stored secrets as a whole, for the master key's life cycle (store/master-key.ts): sealing
 * the plaintext of an older database on first start, and re-sealing under a new key.
 */
export interface SecretColumnStore {
  /**
   * Rewrites every stored secret value `v` as `map(v)` (endpoints' keys and headers, sources'
   * verification secrets, destinations' headers, Basic password and signing secret), in batches,
   * each row compared-and-set so that a concurrent change is re-read, never overwritten. Rows
   * whose values `map` leaves equal are not written. Resolves to the number of rows written;
   * rejects with what `map` throws (e.g. `MasterKeyError`).
   */
  rewrite(map: MapSecret): Promise<number>;
  /** The id of the master key the database's secrets are sealed under: set by the first start, `null` before. */
  keyId(): Promise<string | null>;
  /** Records `keyId` unless one is recorded (two processes starting at once agree); resolves to the recorded one. */
  initKeyId(keyId: string): Promise<string>;
  /** Records `keyId` (after a rotation re-sealed everything under it). */
  setKeyId(keyId: string): Promise<void>;
}
