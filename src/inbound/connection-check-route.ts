import { Type } from 'typebox';
import { ValidationError } from '../core/errors.js';
import { JsonObject, withErrors } from '../http/schema-types.js';
import type { TypedApp } from '../outbound/context.js';
import type { ReceiveApiDeps } from './context.js';
import { ConnectionCheckOut } from './schemas.js';
import { checkFilter, checkTransform } from './setting-checks.js';

const CheckIn = Type.Object(
  {
    filter: Type.Optional(JsonObject({ description: 'A filter, as a connection would take it' })),
    transform: Type.Optional(
      Type.String({ maxLength: 256 * 1024, description: 'A transform, as a connection would take it' }),
    ),
  },
  { title: 'ConnectionCheckIn' },
);

/**
 * `POST /api/v1/connection/check {filter?, transform?}`: the checks that creating or changing a
 * connection makes (the filter compiled, the transform compiled in the sandbox on the pool's
 * thread), without saving anything, so an editor can validate as the operator types. An invalid
 * setting is an answer here (200, `valid: false` with the words the create route's 422 would
 * use), not an error: the check itself went well. A body that is not such an object is a 422.
 */
export function registerConnectionCheckRoute(app: TypedApp, { transformPool }: ReceiveApiDeps): void {
  app.post(
    '/api/v1/connection/check',
    {
      config: { keepsRoutes: true },
      schema: {
        tags: ['Connection'],
        summary: "Check a connection's filter and transform",
        description: 'Validates without saving: each field given gets `{valid, detail}`.',
        body: CheckIn,
        response: withErrors({ 200: ConnectionCheckOut }),
      },
    },
    async (request) => {
      const { filter, transform } = request.body;
      return {
        filter: filter === undefined ? null : await verdict(async () => checkFilter(filter)),
        transform: transform === undefined ? null : await verdict(() => checkTransform(transformPool, transform)),
      };
    },
  );
}

async function verdict(check: () => Promise<unknown>): Promise<{ valid: boolean; detail: string | null }> {
  try {
    await check();
    return { valid: true, detail: null };
  } catch (error) {
    if (error instanceof ValidationError) return { valid: false, detail: error.message };
    throw error;
  }
}
