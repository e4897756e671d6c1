import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ForbiddenError } from '../core/errors.js';
import type { Face } from '../http/face.js';
import { installApiEdge } from '../http/api-edge.js';
import { registerConnectionRoutes } from './connection-routes.js';
import type { ReceiveApiDeps } from './context.js';
import { registerDestinationRoutes } from './destination-routes.js';
import { registerEventRoutes } from './event-routes.js';
import { registerListenRoutes } from './listen/listen-routes.js';
import { registerRequestRoutes } from './request-routes.js';
import { registerRequestStreamRoute } from './request-stream-route.js';
import { registerSourceRoutes } from './source-routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A write that changes no source, destination or connection (a listen outcome): the ingest's cache stays. */
    keepsRoutes?: boolean;
  }
}

/**
 * The receive side's management API under `/api/v1` (sources, destinations, connections,
 * requests, events, `hookd listen`'s sessions), with the same edge as the sending face, installed from the same pieces in
 * its own encapsulated instance: JSON bodies only, bearer tokens, `Idempotency-Key` on POST.
 * Admin tokens only: an app-portal token belongs to one sending application and reaches none of
 * this (403).
 */
export function receiveApiFace(deps: ReceiveApiDeps): Face {
  return {
    name: 'receive-api',
    async plugin(app) {
      await installApiEdge(app, deps, {
        publicRoutes: new Set(),
        checkScope: async () => {
          throw new ForbiddenError('an application token may not access the receive API');
        },
      });
      // A source, destination or connection changed here applies to the next request at /in/*:
      // cleared before the answer leaves, so a caller that waits for it never sees the old one.
      app.addHook('onSend', async (request, reply, payload) => {
        const changes =
          request.method !== 'GET' && request.method !== 'HEAD' && !request.routeOptions.config.keepsRoutes;
        if (changes && reply.statusCode < 400) deps.sources.invalidate();
        return payload;
      });
      const typed = app.withTypeProvider<TypeBoxTypeProvider>();
      registerSourceRoutes(typed, deps);
      registerDestinationRoutes(typed, deps);
      registerConnectionRoutes(typed, deps);
      registerRequestRoutes(typed, deps);
      registerRequestStreamRoute(typed, deps);
      registerEventRoutes(typed, deps);
      registerListenRoutes(typed, deps);
    },
  };
}
