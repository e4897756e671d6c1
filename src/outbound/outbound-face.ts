import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Face } from '../http/face.js';
import { installApiEdge } from '../http/api-edge.js';
import { checkAppScope, PUBLIC_ROUTES } from './app-scope.js';
import type { OutboundDeps } from './context.js';
import { nameOperationsAsSvix } from './operation-ids.js';
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
  return {
    name: 'outbound',
    async plugin(app) {
      await installApiEdge(app, deps, {
        publicRoutes: PUBLIC_ROUTES,
        checkScope: (request, route, appId) => checkAppScope(deps.store.applications, request, route, appId),
      });
      nameOperationsAsSvix(app);
      registerOutboundRoutes(app.withTypeProvider<TypeBoxTypeProvider>(), deps);
    },
  };
}
