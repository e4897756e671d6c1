import type { Config } from '../config/config.js';
import { openStore } from '../store/open-store.js';

/** `hookd migrate`: opening the store applies missing migrations. */
export async function migrate(config: Config): Promise<number> {
  const store = await openStore(config);
  await store.close();
  console.log('hookd: migrations applied');
  return 0;
}
