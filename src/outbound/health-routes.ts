import { NoContent } from '../http/schema-types.js';
import type { TypedApp } from './context.js';

/** `GET/HEAD /api/v1/health`: 204 while the process serves requests. No token needed. */
export function registerHealthRoutes(app: TypedApp): void {
  app.get(
    '/api/v1/health',
    { schema: { tags: ['Health'], summary: 'Health check', security: [], response: { 204: NoContent } } },
    async (_request, reply) => reply.code(204).send(),
  );
}
