import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ForbiddenError } from '../core/errors.js';
import { createHttpSender } from '../delivery/http-sender.js';
import type { Face } from '../http/face.js';
import { installApiEdge } from '../http/api-edge.js';
import { registerConnectionCheckRoute } from './connection-check-route.js';
import { registerConnectionRoutes } from './connection-routes.js';
import type { ReceiveApiDeps } from './context.js';
import { registerDestinationRoutes } from './destination-routes.js';
import { registerEventRoutes } from './event-routes.js';
import { registerListenRoutes } from './listen/listen-routes.js';
import { registerReplayToUrlRoute } from './replay-to-url-route.js';
import { registerRequestRoutes } from './request-routes.js';
import { registerRequestStreamRoute } from './request-stream-route.js';
import { registerSourceRoutes } from './source-routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A write that changes no source, destination or connection (a listen outcome): the ingest's cache stays. */
    keepsRoutes?: boolean;
  }
}

/** Replays to a URL are one at a time per operator click: a few sockets per origin are plenty. */
const REPLAY_CONNECTIONS_PER_ORIGIN = 4;

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
      registerConnectionCheckRoute(typed, deps);
      registerRequestRoutes(typed, deps);
      // Replays to an operator's URL go through a sender of their own (a few sockets, the
      // engine's SSRF guard and timeout), so an API-only process can make them too.
      const sender = createHttpSender({
        timeoutMs: deps.config.requestTimeoutMs,
        allowedNetworks: deps.config.allowedNetworks,
        connectionsPerOrigin: REPLAY_CONNECTIONS_PER_ORIGIN,
      });
      app.addHook('onClose', () => sender.close());
      registerReplayToUrlRoute(typed, { ...deps, sender });
      registerRequestStreamRoute(typed, deps);
      registerEventRoutes(typed, deps);
      registerListenRoutes(typed, deps);
    },
  };
}
