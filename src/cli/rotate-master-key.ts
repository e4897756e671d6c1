import { renameSync, writeFileSync } from 'node:fs';
import { type Config, ConfigError } from '../config/config.js';
import { createKeyring, generateMasterKey } from '../core/secret-box.js';
import { createLogger } from '../log/create-logger.js';
import {
  createKeyFile,
  loadKeyring,
  masterKeyFile,
  nextKeyFile,
  previousKeyFile,
  readKeyFile,
  sealStoredSecrets,
} from '../store/master-key.js';
import { openBackend } from '../store/open-store.js';

/**
 * `hookd rotate-master-key`: re-seals every stored secret under a new master key. Stop hookd
 * first (every process, on PostgreSQL): a running process keeps the keys it started with.
 *
 * - With a key file (the default): writes a new key to `<file>.next`, re-seals everything under
 *   it, then copies `<file>` to `<file>.previous` and renames `<file>.next` to `<file>`. Interrupted at
 *   any step, the next start or run still opens everything (it reads all three files) and a new
 *   run finishes the job with the same `.next` key. Delete `.previous` once you trust the new key.
 * - With `HOOKD_MASTER_KEY`: the new key is that variable, the old one is given in
 *   `HOOKD_MASTER_KEY_PREVIOUS`; the command re-seals under the new one (as any start does).
 */
export async function rotateMasterKey(config: Config): Promise<number> {
  const store = await openBackend(config, { logger: createLogger(config.logLevel, 2) });
  try {
    if (config.masterKey !== null) {
      if (config.masterKeyPrevious.length === 0) {
        throw new ConfigError(
          'with HOOKD_MASTER_KEY set, give the old key in HOOKD_MASTER_KEY_PREVIOUS: the new key is HOOKD_MASTER_KEY',
        );
      }
      const keyring = loadKeyring(config);
      const written = await sealStoredSecrets(store, keyring);
      console.log(`hookd: ${written} rows re-encrypted under master key ${keyring.currentKeyId}`);
      return 0;
    }
    const file = masterKeyFile(config);
    const old = loadKeyring(config);
    const next = readKeyFile(nextKeyFile(file)) ?? createKeyFile(nextKeyFile(file), generateMasterKey());
    const current = readKeyFile(file)!;
    const keyring = createKeyring(next, [
      current,
      ...[previousKeyFile(file)].map(readKeyFile).filter((k) => k !== null),
    ]);
    const written = await sealStoredSecrets(store, keyring);
    // Copy, then an atomic rename over the key file: at no point is there no key file.
    writeFileSync(previousKeyFile(file), `${current.toString('base64')}\n`, { mode: 0o600 });
    renameSync(nextKeyFile(file), file);
    console.log(
      `hookd: ${written} rows re-encrypted under master key ${keyring.currentKeyId} (${file}); ` +
        `the old key ${old.currentKeyId} is kept in ${previousKeyFile(file)}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
