import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ForbiddenError } from '../core/errors.js';
import { ADMIN_TOKEN_SETTING, hashToken } from '../http/api-tokens.js';
import { installBearerAuth } from '../http/bearer-auth.js';
import type { Face } from '../http/face.js';
import { installIdempotency } from '../http/idempotency.js';
import { installJsonBodyParser } from '../http/json-body.js';
import { registerConnectionRoutes } from './connection-routes.js';
import type { ReceiveApiDeps } from './context.js';
import { registerDestinationRoutes } from './destination-routes.js';
import { registerEventRoutes } from './event-routes.js';
import { registerRequestRoutes } from './request-routes.js';
import { registerRequestStreamRoute } from './request-stream-route.js';
import { registerSourceRoutes } from './source-routes.js';

/**
 * The receive side's management API under `/api/v1` (sources, destinations, connections,
 * requests, events), with the same edge as the sending face, installed from the same pieces in
 * its own encapsulated instance: JSON bodies only, bearer tokens, `Idempotency-Key` on POST.
 * Admin tokens only: an app-portal token belongs to one sending application and reaches none of
 * this (403).
 *
 * With no `config.adminToken`, call `ensureAdminToken(store)` before the server is ready: the
 * admin token's hash is read once, when the face is registered.
 */
export function receiveApiFace(deps: ReceiveApiDeps): Face {
  const { config, store, now } = deps;
  return {
    name: 'receive-api',
    async plugin(app) {
      const adminTokenHash =
        config.adminToken !== null ? hashToken(config.adminToken) : await store.auth.getSetting(ADMIN_TOKEN_SETTING);
      installJsonBodyParser(app);
      installBearerAuth(app, {
        adminTokenHash,
        findToken: (tokenHash) => store.auth.findTokenByHash(tokenHash),
        now,
        publicRoutes: new Set(),
        checkScope: async () => {
          throw new ForbiddenError('an application token may not access the receive API');
        },
      });
      installIdempotency(app, { auth: store.auth, now });
      const typed = app.withTypeProvider<TypeBoxTypeProvider>();
      registerSourceRoutes(typed, deps);
      registerDestinationRoutes(typed, deps);
      registerConnectionRoutes(typed, deps);
      registerRequestRoutes(typed, deps);
      registerRequestStreamRoute(typed, deps);
      registerEventRoutes(typed, deps);
    },
  };
}
