import { ConfigError, loadConfig } from '../config/config.js';
import { createApiToken } from '../http/api-tokens.js';
import { createLogger } from '../log/create-logger.js';
import { openStore } from '../store/open-store.js';

/** `hookd token create [--app APP] [--expires-in SECONDS] [config flags]`: prints a new token. */
export async function createToken(argv: string[]): Promise<number> {
  const rest: string[] = [];
  let app: string | null = null;
  let expiresInSeconds: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--app') app = argv[++i] ?? null;
    else if (argv[i] === '--expires-in') expiresInSeconds = Number(argv[++i]);
    else rest.push(argv[i]);
  }
  if (expiresInSeconds !== null && !(Number.isInteger(expiresInSeconds) && expiresInSeconds > 0)) {
    throw new ConfigError('--expires-in needs a whole number of seconds greater than 0');
  }
  const config = loadConfig({ argv: rest });
  // Logs go to stderr: stdout is the token, for scripts.
  const store = await openStore(config, { logger: createLogger(config.logLevel, 2) });
  try {
    let appId: string | null = null;
    if (app !== null) {
      const found = await store.applications.get(app);
      if (!found) throw new ConfigError(`--app: no application with id or uid ${JSON.stringify(app)}`);
      appId = found.id;
    }
    const now = Date.now();
    const token = await createApiToken(store, {
      appId,
      expiresAt: expiresInSeconds ? now + expiresInSeconds * 1000 : null,
      now,
    });
    console.log(token);
    return 0;
  } finally {
    await store.close();
  }
}
