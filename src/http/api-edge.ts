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
  const { config, store, now } = deps;
  const adminTokenHash =
    config.adminToken !== null ? hashToken(config.adminToken) : await store.auth.getSetting(ADMIN_TOKEN_SETTING);
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
