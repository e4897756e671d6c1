import { NoContent } from '../http/schema-types.js';
import type { TypedApp } from './context.js';

/** The health routes: no token needed; each answers GET and HEAD (Fastify adds the HEAD route). */
export const HEALTH_ROUTES = ['/api/v1/health', '/api/v1/health/ping'] as const;

/**
 * `GET|HEAD /api/v1/health` and `/api/v1/health/ping` (Svix's liveness probe): 204 while the
 * process serves requests.
 */
export function registerHealthRoutes(app: TypedApp): void {
  const routes = [
    { url: HEALTH_ROUTES[0], summary: 'Health check' },
    { url: HEALTH_ROUTES[1], summary: 'Liveness probe' },
  ];
  for (const { url, summary } of routes) {
    app.get(
      url,
      { schema: { tags: ['Health'], summary, security: [], response: { 204: NoContent } } },
      async (_request, reply) => reply.code(204).send(),
    );
  }
}
