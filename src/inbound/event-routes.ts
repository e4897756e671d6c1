import { type Static, Type } from 'typebox';
import { ListResponse, PaginationQuery, toListResponse, toPageQuery } from '../http/pagination.js';
import { withErrors } from '../http/schema-types.js';
import { emptyBodyAsObject, type TypedApp } from '../outbound/context.js';
import { parseTime } from '../outbound/query-filters.js';
import type { EventQuery, Store, TimeRange } from '../store/store.js';
import { type ReceiveApiDeps, requireDestination, requireEvent, requireSource } from './context.js';
import { EventParams } from './params.js';
import { EventAttemptOut, EventFilter, EventOut } from './schemas.js';
import { eventAttemptOut, eventOut } from './serialize.js';

const tags = ['Event'];
const EventFilterSchema = Type.Object(EventFilter);

/** Events (one request on one connection): list, get, attempts, retry, bulk retry. */
export function registerEventRoutes(app: TypedApp, deps: ReceiveApiDeps): void {
  const { store, now } = deps;

  app.get(
    '/api/v1/event',
    {
      schema: {
        tags,
        summary: 'List events',
        description: 'Newest first by default; `since` inclusive, `until` exclusive (ISO 8601, of creation).',
        querystring: Type.Object({ ...PaginationQuery, ...EventFilter }),
        response: withErrors({ 200: ListResponse(EventOut) }),
      },
    },
    async (request) => {
      const query = await toEventQuery(store, request.query, 'query');
      return toListResponse(await store.requests.listEvents(query, toPageQuery(request.query)), eventOut);
    },
  );

  app.get(
    '/api/v1/event/:event_id',
    { schema: { tags, summary: 'Get an event', params: EventParams, response: withErrors({ 200: EventOut }) } },
    async (request) => eventOut(await requireEvent(store, request.params.event_id)),
  );

  app.get(
    '/api/v1/event/:event_id/attempt',
    {
      schema: {
        tags,
        summary: "List an event's attempts",
        description: "Newest first by default, in the shape of the sending API's attempts.",
        params: EventParams,
        querystring: Type.Object(PaginationQuery),
        response: withErrors({ 200: ListResponse(EventAttemptOut) }),
      },
    },
    async (request) => {
      const event = await requireEvent(store, request.params.event_id);
      const page = await store.requests.listEventAttempts(event.id, toPageQuery(request.query));
      return toListResponse(page, eventAttemptOut);
    },
  );

  app.post(
    '/api/v1/event/:event_id/retry',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Retry an event',
        description: 'Due now, whatever its state (an event being sent is left alone).',
        params: EventParams,
        response: withErrors({ 202: EventOut }),
      },
    },
    async (request, reply) => {
      const event = await requireEvent(store, request.params.event_id);
      return reply.code(202).send(eventOut(await store.inbound.retryEvent(event.id, now())));
    },
  );

  app.post(
    '/api/v1/event/bulk-retry',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Retry events in bulk',
        description: 'Every ended event (`fail` or `canceled`, or of `status`) that matches the filter.',
        body: EventFilterSchema,
        response: withErrors({ 202: Type.Object({ count: Type.Integer() }) }),
      },
    },
    async (request, reply) => {
      const query = await toEventQuery(store, request.body, 'body');
      return reply.code(202).send({ count: await store.inbound.retryEvents(query, now()) });
    },
  );
}

/** The store's event query from the API's filter: refs resolved to ids (404 when unknown), times parsed. */
async function toEventQuery(
  store: Store,
  filter: Static<typeof EventFilterSchema>,
  part: 'query' | 'body',
): Promise<EventQuery & TimeRange> {
  const query: EventQuery & TimeRange = {
    since: parseTime(filter.since, `${part}.since`),
    until: parseTime(filter.until, `${part}.until`),
  };
  if (filter.source !== undefined) query.sourceId = (await requireSource(store, filter.source)).id;
  if (filter.destination !== undefined) query.destinationId = (await requireDestination(store, filter.destination)).id;
  // A connection's events outlive it: an id is taken as is.
  if (filter.connection !== undefined) query.connectionId = filter.connection;
  if (filter.status !== undefined) query.status = filter.status;
  return query;
}
