import type { Config } from '../config/config.js';
import { createLogger } from '../log/create-logger.js';
import { openStore } from '../store/open-store.js';

/** `hookd migrate`: opening the store applies missing migrations. */
export async function migrate(config: Config): Promise<number> {
  // Logs go to stderr: stdout is the command's answer.
  const store = await openStore(config, { logger: createLogger(config.logLevel, 2) });
  await store.close();
  console.log('hookd: migrations applied');
  return 0;
}
