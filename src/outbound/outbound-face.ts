import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { installBearerAuth } from '../http/bearer-auth.js';
import type { Face } from '../http/face.js';
import { ADMIN_TOKEN_SETTING, hashToken } from '../http/api-tokens.js';
import { installIdempotency } from '../http/idempotency.js';
import { installJsonBodyParser } from '../http/json-body.js';
import { checkAppScope, PUBLIC_ROUTES } from './app-scope.js';
import type { OutboundDeps } from './context.js';
import { registerOutboundRoutes } from './outbound-routes.js';

/**
 * The sending face: the Svix-compatible API under `/api/v1`, with its own edge. Inside its
 * encapsulated instance it takes JSON bodies only (415 otherwise), checks bearer tokens (health
 * and the OpenAPI document are public) and keeps app-portal tokens inside their application, and
 * replays `Idempotency-Key` POSTs. None of that reaches another face's routes.
 *
 * With no `config.adminToken`, call `ensureAdminToken(store)` before the server is ready: the
 * admin token's hash is read once, when the face is registered.
 */
export function outboundFace(deps: OutboundDeps): Face {
  const { config, store, now } = deps;
  return {
    name: 'outbound',
    async plugin(app) {
      const adminTokenHash =
        config.adminToken !== null ? hashToken(config.adminToken) : await store.auth.getSetting(ADMIN_TOKEN_SETTING);
      installJsonBodyParser(app);
      installBearerAuth(app, {
        adminTokenHash,
        findToken: (tokenHash) => store.auth.findTokenByHash(tokenHash),
        now,
        publicRoutes: PUBLIC_ROUTES,
        checkScope: (request, route, appId) => checkAppScope(store.applications, request, route, appId),
      });
      installIdempotency(app, { auth: store.auth, now });
      registerOutboundRoutes(app.withTypeProvider<TypeBoxTypeProvider>(), deps);
    },
  };
}
