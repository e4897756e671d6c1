import { ConfigError, loadConfig } from '../config/config.js';
import { createApiToken } from '../http/api-tokens.js';
import { createLogger } from '../log/create-logger.js';
import { openStore } from '../store/open-store.js';

/** What `hookd token create` mints: limited to one app (id or uid) or admin; expiring or not. */
export interface TokenRequest {
  app: string | null;
  expiresInSeconds: number | null;
}

/** `hookd token create [--app APP] [--expires-in SECONDS] [setting flags]`: prints a new token. */
export async function createToken({ app, expiresInSeconds }: TokenRequest, settingArgv: string[]): Promise<number> {
  const config = loadConfig({ argv: settingArgv });
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
