import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Config, ConfigError } from '../config/config.js';
import { createKeyring, generateMasterKey, type Keyring, MasterKeyError, parseMasterKey } from '../core/secret-box.js';
import type { Store } from './store.js';

/*
 * Where the master key comes from, and what a start does with it. Decisions:
 * - `HOOKD_MASTER_KEY` wins; else a key file: `HOOKD_MASTER_KEY_FILE`, or `master.key` in the
 *   data directory, created at first start (32 random bytes, base64, mode 0600).
 * - The database records the id of the key its secrets are sealed under (settings
 *   `master_key_id`). A process whose keys do not include it refuses to start: on PostgreSQL,
 *   where several processes share one database, each needs the same key (the variable, or a key
 *   file at a configured path), and a process that generated its own would otherwise seal
 *   secrets that the others cannot open.
 * - Each start seals what is still plaintext (a database from before encryption) and re-seals
 *   under the current key what an older key sealed: no SQL migration can, the key lives outside
 *   the database.
 */

/** The key file used when `HOOKD_MASTER_KEY` is unset. */
export const masterKeyFile = (config: Config): string => config.masterKeyFile ?? join(config.dataDir, 'master.key');

/** Beside the key file: the key a rotation is moving to, and the one it replaced. */
export const nextKeyFile = (file: string) => `${file}.next`;
export const previousKeyFile = (file: string) => `${file}.previous`;

/** The configured keyring: the current key and the older ones it still opens. */
export function loadKeyring(config: Config): Keyring {
  const previous = config.masterKeyPrevious.map(parseMasterKey);
  if (config.masterKey !== null) return createKeyring(parseMasterKey(config.masterKey), previous);
  const file = masterKeyFile(config);
  let current = readKeyFile(file);
  if (current === null) {
    if (config.masterKeyFile !== null)
      throw new ConfigError(`the master key file ${file} (HOOKD_MASTER_KEY_FILE) does not exist`);
    current = createKeyFile(file, generateMasterKey());
  }
  // An interrupted rotation leaves `.next`; a finished one leaves `.previous` (see rotate-master-key).
  const beside = [nextKeyFile(file), previousKeyFile(file)].map(readKeyFile).filter((k) => k !== null);
  return createKeyring(current, [...previous, ...beside]);
}

/**
 * Checks that `keyring` opens the database's secrets, seals every stored secret still in
 * plaintext and re-seals under the current key what older keys sealed; records the current key
 * id. Resolves to the number of rows rewritten. `ConfigError` when the database's key is not in
 * the keyring.
 */
export async function sealStoredSecrets(store: Store, keyring: Keyring): Promise<number> {
  const recorded = await store.secretColumns.initKeyId(keyring.currentKeyId);
  if (!keyring.keyIds.includes(recorded)) throw wrongKey(recorded, keyring);
  let written: number;
  try {
    written = await store.secretColumns.rewrite(keyring.reseal);
  } catch (error) {
    throw error instanceof MasterKeyError ? wrongKey(error.keyId, keyring) : error;
  }
  if (recorded !== keyring.currentKeyId) await store.secretColumns.setKeyId(keyring.currentKeyId);
  return written;
}

function wrongKey(keyId: string, keyring: Keyring): ConfigError {
  return new ConfigError(
    `the stored secrets are encrypted under master key ${keyId}, but this process has ${keyring.keyIds.join(', ')}: ` +
      'give every process the same key (HOOKD_MASTER_KEY or HOOKD_MASTER_KEY_FILE; see docs/configuration.md)',
  );
}

/** The key in `file`, or `null` when there is no such file. */
export function readKeyFile(file: string): Buffer | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return parseMasterKey(text);
  } catch (error) {
    throw new ConfigError(`the master key file ${file}: ${(error as Error).message}`);
  }
}

/**
 * Writes `key` to `file` (mode 0600) unless it exists, atomically: written to a temporary name,
 * then hard-linked to `file`, so that two processes starting at once agree on one key and none
 * reads a half-written file. Resolves to the key `file` holds afterwards.
 */
export function createKeyFile(file: string, key: string): Buffer {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${key}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readKeyFile(file)!;
}
