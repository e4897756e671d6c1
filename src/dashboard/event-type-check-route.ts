import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { Nullable, withErrors } from '../http/schema-types.js';
import { EventTypeSchemas } from '../outbound/schemas.js';

/** What the create and update routes validate of `schemas`: the same schema, run by the same compiler. */
const SchemasBody = Type.Object({ schemas: EventTypeSchemas });

const CheckOut = Type.Object(
  {
    valid: Type.Boolean(),
    detail: Nullable(Type.String({ description: "What the create route's 422 would say, when invalid" })),
  },
  { title: 'EventTypeCheckOut' },
);

/**
 * `POST /api/v1/event-type/check {schemas}`: the check that creating or changing an event type
 * makes of its `schemas`, without saving, so that the dashboard's editor validates as one types.
 * Invalid schemas are an answer (200, `valid: false`, worded as the create route's 422 items:
 * `schemas.1 must be object`), not an error: the check itself went well (and the browser logs no
 * failed request). A body that is not JSON is the usual 400. Behind the admin edge, like event-type writes.
 */
export function registerEventTypeCheckRoute(app: FastifyInstance): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/api/v1/event-type/check',
    {
      schema: {
        tags: ['Dashboard'],
        summary: "Check an event type's schemas without saving",
        body: Type.Object({ schemas: Type.Unknown() }, { title: 'EventTypeCheckIn' }),
        response: withErrors({ 200: CheckOut }),
      },
    },
    async (request) => {
      const validate = request.compileValidationSchema(SchemasBody, 'body');
      if (validate({ schemas: request.body.schemas })) return { valid: true, detail: null };
      const detail = (validate.errors ?? [])
        .map((error) => `${error.instancePath.split('/').filter(Boolean).join('.')} ${error.message ?? 'is invalid'}`)
        .join('; ');
      return { valid: false, detail };
    },
  );
}
