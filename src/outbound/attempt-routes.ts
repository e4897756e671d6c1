import { Type } from 'typebox';
import { NotFoundError } from '../core/errors.js';
import { sendJsonText } from '../http/json-body.js';
import { ListResponse, PaginationQuery, toListJson, toListResponse, toPageQuery } from '../http/pagination.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import type { AttemptQuery, Page } from '../store/store.js';
import type { Attempt } from '../core/types.js';
import {
  requireAppEndpoint,
  requireApplication,
  requireEndpoint,
  requireMessage,
  type OutboundDeps,
  type TypedApp,
} from './context.js';
import {
  EndpointMessageOut,
  EventTypesQuery,
  MessageAttemptOut,
  MessageEndpointOut,
  StatusQuery,
  TimeFilterQuery,
  WithContentQuery,
} from './message-schemas.js';
import { AttemptParams, EndpointParams, MessageEndpointParams, MessageParams } from './params.js';
import { parseEventTypes, parseTimeFilter } from './query-filters.js';
import { ChannelName } from './schemas.js';
import { attemptOut, deliveryStatusOf, endpointMessageJson, messageEndpointOut } from './serialize.js';

const tags = ['Message Attempt'];
const ExpandedStatuses = Type.Boolean({
  default: false,
  description: 'Report canceled deliveries as 4 "canceled" instead of 2 "fail"',
});
const AttemptListQuery = {
  ...PaginationQuery,
  ...TimeFilterQuery,
  status: Type.Optional(StatusQuery),
  with_content: WithContentQuery,
  expanded_statuses: ExpandedStatuses,
};
const EMPTY_PAGE: Page<never> = { data: [], iterator: null, prevIterator: null, done: true };

/** Attempts, attempted messages and destinations, resend. */
export function registerAttemptRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now } = deps;

  /** Attempts only ever succeed (0) or fail (2): any other status filter matches nothing. */
  const listAttempts = async (appId: string, query: AttemptQuery, status: number | undefined) => {
    if (status !== undefined && status !== 0 && status !== 2) return EMPTY_PAGE as Page<Attempt>;
    return store.attempts.list(appId, {
      ...query,
      ...(status === undefined ? {} : { status: status === 0 ? 'success' : 'fail' }),
    });
  };

  app.get(
    '/api/v1/app/:app_id/attempt/endpoint/:endpoint_id',
    {
      schema: {
        tags,
        summary: "List an endpoint's attempts, newest first",
        params: EndpointParams,
        querystring: Type.Object(AttemptListQuery),
        response: withErrors({ 200: ListResponse(MessageAttemptOut) }),
      },
    },
    async (request) => {
      const { query } = request;
      const { application, endpoint } = await requireAppEndpoint(
        store,
        request.params.app_id,
        request.params.endpoint_id,
      );
      const page = await listAttempts(
        application.id,
        { ...toPageQuery(query), endpointId: endpoint.id, ...parseTimeFilter(query) },
        query.status,
      );
      return toListResponse(page, (attempt) =>
        attemptOut(attempt, { expanded: query.expanded_statuses, withContent: query.with_content }),
      );
    },
  );

  app.get(
    '/api/v1/app/:app_id/attempt/msg/:msg_id',
    {
      schema: {
        tags,
        summary: "List a message's attempts, newest first",
        params: MessageParams,
        querystring: Type.Object({
          ...AttemptListQuery,
          endpoint_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
        }),
        response: withErrors({ 200: ListResponse(MessageAttemptOut) }),
      },
    },
    async (request) => {
      const { query } = request;
      const application = await requireApplication(store, request.params.app_id);
      const message = await requireMessage(store, application.id, request.params.msg_id);
      const endpointId =
        query.endpoint_id === undefined
          ? undefined
          : (await requireEndpoint(store, application.id, query.endpoint_id)).id;
      const filter = { ...toPageQuery(query), msgId: message.id, endpointId, ...parseTimeFilter(query) };
      const page = await listAttempts(application.id, filter, query.status);
      return toListResponse(page, (attempt) =>
        attemptOut(attempt, { expanded: query.expanded_statuses, withContent: query.with_content }),
      );
    },
  );

  app.get(
    '/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id',
    {
      schema: {
        tags,
        summary: 'Get an attempt',
        params: AttemptParams,
        querystring: Type.Object({ expanded_statuses: ExpandedStatuses }),
        response: withErrors({ 200: MessageAttemptOut }),
      },
    },
    async (request) => {
      const { app_id, msg_id, attempt_id } = request.params;
      const application = await requireApplication(store, app_id);
      const message = await requireMessage(store, application.id, msg_id);
      const attempt = await store.attempts.get(application.id, message.id, attempt_id);
      if (attempt === null) throw new NotFoundError('attempt');
      return attemptOut(attempt, { expanded: request.query.expanded_statuses, withContent: true });
    },
  );

  app.delete(
    '/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id/content',
    {
      schema: {
        tags,
        summary: "Delete an attempt's response body",
        params: AttemptParams,
        response: withErrors({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      const { app_id, msg_id, attempt_id } = request.params;
      const application = await requireApplication(store, app_id);
      const message = await requireMessage(store, application.id, msg_id);
      if ((await store.attempts.get(application.id, message.id, attempt_id)) === null)
        throw new NotFoundError('attempt');
      await store.attempts.expungeContent(application.id, message.id, attempt_id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/app/:app_id/endpoint/:endpoint_id/msg',
    {
      schema: {
        tags,
        summary: 'List the messages sent to an endpoint, with their delivery state',
        params: EndpointParams,
        querystring: Type.Object({
          ...AttemptListQuery,
          channel: Type.Optional(ChannelName),
          event_types: Type.Optional(EventTypesQuery),
        }),
        response: withErrors({ 200: ListResponse(EndpointMessageOut) }),
      },
    },
    async (request, reply) => {
      const { query } = request;
      const { application, endpoint } = await requireAppEndpoint(
        store,
        request.params.app_id,
        request.params.endpoint_id,
      );
      const page = await store.attempts.endpointMessages(application.id, endpoint.id, {
        ...toPageQuery(query),
        status: query.status === undefined ? undefined : deliveryStatusOf(query.status),
        channel: query.channel,
        eventTypes: parseEventTypes(query.event_types),
        ...parseTimeFilter(query),
      });
      const options = { expanded: query.expanded_statuses, withContent: query.with_content };
      return sendJsonText(
        reply,
        200,
        toListJson(page, (row) => endpointMessageJson(row, options)),
      );
    },
  );

  app.get(
    '/api/v1/app/:app_id/msg/:msg_id/endpoint',
    {
      schema: {
        tags,
        summary: 'List the endpoints a message was sent to, with their delivery state',
        params: MessageParams,
        querystring: Type.Object({ ...PaginationQuery, expanded_statuses: ExpandedStatuses }),
        response: withErrors({ 200: ListResponse(MessageEndpointOut) }),
      },
    },
    async (request) => {
      const application = await requireApplication(store, request.params.app_id);
      const message = await requireMessage(store, application.id, request.params.msg_id);
      const page = await store.attempts.messageDestinations(application.id, message.id, toPageQuery(request.query));
      return toListResponse(page, (row) => messageEndpointOut(row, request.query.expanded_statuses));
    },
  );

  app.post(
    '/api/v1/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend',
    {
      schema: {
        tags,
        summary: 'Resend a message to an endpoint',
        params: MessageEndpointParams,
        response: withErrors({ 202: Type.Object({}) }),
      },
    },
    async (request, reply) => {
      const application = await requireApplication(store, request.params.app_id);
      const message = await requireMessage(store, application.id, request.params.msg_id);
      const endpoint = await requireEndpoint(store, application.id, request.params.endpoint_id);
      await store.requeue.resend(application.id, message.id, endpoint.id, now());
      return reply.code(202).send({});
    },
  );
}
