import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import type { Store } from '../store/store.js';
import { ADMIN_TOKEN_SETTING, hashToken } from './api-tokens.js';
import { type BearerAuthOptions, installBearerAuth } from './bearer-auth.js';
import { installIdempotency } from './idempotency.js';
import { installJsonBodyParser } from './json-body.js';

/**
 * The edge every `/api/v1` face installs in its own encapsulated instance: JSON bodies only (415
 * otherwise), bearer tokens (the admin token, or stored tokens; `publicRoutes` answer without
 * one, `checkScope` decides what an app-scoped token reaches), and `Idempotency-Key` replays on
 * POST. With no `config.adminToken`, call `ensureAdminToken(store)` before the server is ready:
 * the admin token's hash is read once, here.
 */
export async function installApiEdge(
  app: FastifyInstance,
  deps: { config: Pick<Config, 'adminToken'>; store: Store; now: () => number },
  access: Pick<BearerAuthOptions, 'publicRoutes' | 'checkScope'>,
): Promise<void> {
  const { store, now } = deps;
  const adminTokenHash = await adminTokenHashOf(deps);
  installJsonBodyParser(app);
  installBearerAuth(app, {
    adminTokenHash,
    findToken: (tokenHash) => store.auth.findTokenByHash(tokenHash),
    now,
    // Decorated on the root by the server (server/app.ts); a face mounted elsewhere goes without.
    rateLimits: app.hasDecorator('apiRateLimits') ? app.apiRateLimits : undefined,
    ...access,
  });
  installIdempotency(app, { auth: store.auth, now });
}

/** The admin token's SHA-256 (hex): of the configured token, else the generated one's stored hash; null if none. */
export async function adminTokenHashOf(deps: {
  config: Pick<Config, 'adminToken'>;
  store: Pick<Store, 'auth'>;
}): Promise<string | null> {
  const { config, store } = deps;
  return config.adminToken !== null ? hashToken(config.adminToken) : await store.auth.getSetting(ADMIN_TOKEN_SETTING);
}
