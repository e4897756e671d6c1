import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { NotFoundError } from '../core/errors.js';
import { ListResponse, PaginationQuery, toListResponse, toPageQuery } from '../http/pagination.js';
import { withErrors } from '../http/schema-types.js';
import { emptyBodyAsObject } from '../outbound/context.js';
import type { DeadLetter, DeadLetterQuery, Store } from '../store/store.js';
import { DeadLetterFilter, DeadLetterOut, DeadLetterRetryIn } from './dashboard-schemas.js';

const tags = ['Dashboard'];

const iso = (ms: number) => new Date(ms).toISOString();

function deadLetterOut(d: DeadLetter): Static<typeof DeadLetterOut> {
  return {
    id: d.deliveryId,
    kind: 'message',
    appId: d.appId,
    endpointId: d.endpointId,
    url: d.url,
    msgId: d.msgId,
    eventType: d.eventType,
    attemptCount: d.attemptCount,
    createdAt: iso(d.createdAt),
    failedAt: iso(d.updatedAt),
  };
}

/**
 * The sending side's dead letters, for the dashboard: `GET /api/v1/dead-letter` lists the
 * deliveries of messages whose retries are exhausted, across applications and endpoints, newest
 * first; `POST /api/v1/dead-letter/retry` makes the matching ones due again with a full retry
 * schedule (a disabled endpoint's stay failed). The receive side's are events with status `fail`
 * (`/api/v1/event`, `/api/v1/event/bulk-retry`). `app` is an id or uid (404 when unknown). Behind
 * the admin edge: admin tokens and the dashboard session only.
 */
export function registerDeadLetterRoutes(app: FastifyInstance, deps: { store: Store; now: () => number }): void {
  const { store, now } = deps;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  /** The store's query from the filter; an unknown application is a 404. */
  async function toQuery(filter: { app?: string; endpoint?: string; event_type?: string }): Promise<DeadLetterQuery> {
    const query: DeadLetterQuery = {};
    if (filter.app !== undefined) {
      const application = await store.applications.get(filter.app);
      if (application === null) throw new NotFoundError('application');
      query.appId = application.id;
    }
    if (filter.endpoint !== undefined) query.endpointId = filter.endpoint;
    if (filter.event_type !== undefined) query.eventType = filter.event_type;
    return query;
  }

  typed.get(
    '/api/v1/dead-letter',
    {
      schema: {
        tags,
        summary: 'List exhausted message deliveries across endpoints',
        querystring: Type.Object({ ...PaginationQuery, ...DeadLetterFilter }),
        response: withErrors({ 200: ListResponse(DeadLetterOut) }),
      },
    },
    async (request) => {
      const query = await toQuery(request.query);
      const page = await store.messages.listDeadLetters({ ...query, ...toPageQuery(request.query) });
      return toListResponse(page, deadLetterOut);
    },
  );

  typed.post(
    '/api/v1/dead-letter/retry',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Retry exhausted message deliveries in bulk',
        description:
          'Every dead letter that matches the filter (all of them with an empty body) is due again, with a full retry schedule.',
        body: DeadLetterRetryIn,
        response: withErrors({ 202: Type.Object({ count: Type.Integer() }) }),
      },
    },
    async (request, reply) => {
      const query = await toQuery(request.body);
      if (request.body.ids !== undefined) query.ids = request.body.ids;
      return reply.code(202).send({ count: await store.requeue.retryDeadLetters(query, now()) });
    },
  );
}
