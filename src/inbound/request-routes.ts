import { Type } from 'typebox';
import { ConflictError } from '../core/errors.js';
import { ListResponse, PaginationQuery, toListResponse, toPageQuery } from '../http/pagination.js';
import { withErrors } from '../http/schema-types.js';
import { emptyBodyAsObject, type TypedApp } from '../outbound/context.js';
import { parseTime } from '../outbound/query-filters.js';
import { type ReceiveApiDeps, requireRequest, requireSource } from './context.js';
import { RequestParams, SourceParams } from './params.js';
import { EventOut, RequestOut, RequestStatusSchema, TimeRangeQuery } from './schemas.js';
import { eventOut, requestOut } from './serialize.js';

const tags = ['Request'];

/** Received requests: a source's list, one request, its events, and a replay. */
export function registerRequestRoutes(app: TypedApp, deps: ReceiveApiDeps): void {
  const { store, now } = deps;

  app.get(
    '/api/v1/source/:source_id/request',
    {
      schema: {
        tags,
        summary: "List a source's requests",
        description: 'Newest first by default; `since` inclusive, `until` exclusive (ISO 8601).',
        params: SourceParams,
        querystring: Type.Object({
          ...PaginationQuery,
          status: Type.Optional(RequestStatusSchema),
          ...TimeRangeQuery,
        }),
        response: withErrors({ 200: ListResponse(RequestOut) }),
      },
    },
    async (request) => {
      const source = await requireSource(store, request.params.source_id);
      const { status, since, until } = request.query;
      const query = {
        sourceId: source.id,
        ...(status === undefined ? {} : { status }),
        since: parseTime(since, 'query.since'),
        until: parseTime(until, 'query.until'),
      };
      return toListResponse(await store.requests.listRequests(query, toPageQuery(request.query)), requestOut);
    },
  );

  app.get(
    '/api/v1/request/:request_id',
    { schema: { tags, summary: 'Get a request', params: RequestParams, response: withErrors({ 200: RequestOut }) } },
    async (request) => requestOut(await requireRequest(store, request.params.request_id)),
  );

  app.get(
    '/api/v1/request/:request_id/event',
    {
      schema: {
        tags,
        summary: "List a request's events",
        params: RequestParams,
        querystring: Type.Object(PaginationQuery),
        response: withErrors({ 200: ListResponse(EventOut) }),
      },
    },
    async (request) => {
      const received = await requireRequest(store, request.params.request_id);
      const page = await store.requests.listEvents({ requestId: received.id }, toPageQuery(request.query));
      return toListResponse(page, eventOut);
    },
  );

  app.post(
    '/api/v1/request/:request_id/replay',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Replay a request',
        description:
          "New events for the request on its source's current connections whose filter matches. A rejected request is never forwarded (409), unless it was rejected as `filtered`.",
        params: RequestParams,
        response: withErrors({ 202: Type.Object({ data: Type.Array(EventOut) }) }),
      },
    },
    async (request, reply) => {
      const received = await requireRequest(store, request.params.request_id);
      if (received.status !== 'accepted' && received.cause !== 'filtered')
        throw new ConflictError(`a ${received.status} request is never forwarded`);
      const connections = received.sourceId === null ? [] : await store.connections.listRoutes(received.sourceId);
      const events = await store.inbound.replay(received.id, deps.routes.routes(connections, received), now());
      return reply.code(202).send({ data: events.map(eventOut) });
    },
  );
}
