import { type Static, Type } from 'typebox';
import { NotFoundError } from '../core/errors.js';
import { sendJsonText } from '../http/json-body.js';
import {
  EMPTY_PAGE,
  ListResponse,
  PaginationQuery,
  toListJson,
  toListResponse,
  toPageQuery,
} from '../http/pagination.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import type { AttemptQuery, Page } from '../store/store.js';
import type { Attempt, Message } from '../core/types.js';
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
  StatusCodeClassQuery,
  StatusQuery,
  TagQuery,
  TimeFilterQuery,
  WithContentQuery,
} from './message-schemas.js';
import { AttemptParams, EndpointParams, MessageEndpointParams, MessageParams } from './params.js';
import { parseEventTypes, parseTimeFilter } from './query-filters.js';
import { ChannelName } from './schemas.js';
import {
  attemptOut,
  deliveryStatusOf,
  endpointMessageJson,
  messageEndpointOut,
  messageOutWithoutPayload,
} from './serialize.js';

const tags = ['Message Attempt'];
const ExpandedStatuses = Type.Boolean({
  default: false,
  description: 'Report canceled deliveries as 4 "canceled" instead of 2 "fail"',
});
/** The filters of Svix's two attempt lists (by endpoint, by message). */
const AttemptListQuery = {
  ...PaginationQuery,
  ...TimeFilterQuery,
  status: Type.Optional(StatusQuery),
  status_code_class: Type.Optional(StatusCodeClassQuery),
  channel: Type.Optional(ChannelName),
  tag: Type.Optional(TagQuery),
  event_types: Type.Optional(EventTypesQuery),
  with_content: WithContentQuery,
  expanded_statuses: ExpandedStatuses,
};
type AttemptListInput = Static<Type.TObject<typeof AttemptListQuery>>;

/** Attempts, attempted messages and destinations, resend. */
export function registerAttemptRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now } = deps;

  /**
   * One page of attempts with every filter of the query applied. Attempts only ever succeed (0)
   * or fail (2), and messages have no tags: any other status, or a tag, matches nothing.
   */
  const listAttempts = async (
    appId: string,
    query: AttemptListInput,
    scope: Pick<AttemptQuery, 'msgId' | 'endpointId'>,
  ) => {
    const { status } = query;
    if ((status !== undefined && status !== 0 && status !== 2) || query.tag !== undefined)
      return EMPTY_PAGE as Page<Attempt>;
    return store.attempts.list(appId, {
      ...toPageQuery(query),
      ...scope,
      ...(status === undefined ? {} : { status: status === 0 ? 'success' : 'fail' }),
      statusCodeClass: query.status_code_class,
      channel: query.channel,
      eventTypes: parseEventTypes(query.event_types),
      ...parseTimeFilter(query),
    });
  };

  /** The page as MessageAttemptOut rows; with `withMsg`, each with its message (payload left out, as Svix does). */
  const attemptsOut = async (
    appId: string,
    page: Page<Attempt>,
    options: { expanded: boolean; withContent: boolean; withMsg: boolean },
  ) => {
    const ids = options.withMsg ? [...new Set(page.data.map((a) => a.msgId))] : [];
    const found = await Promise.all(ids.map(async (id) => [id, await store.messages.get(appId, id)] as const));
    const messages = new Map<string, Message | null>(found);
    return toListResponse(page, (attempt) => {
      const out = attemptOut(attempt, options);
      const message = messages.get(attempt.msgId);
      return message ? { ...out, msg: messageOutWithoutPayload(message) } : out;
    });
  };

  app.get(
    '/api/v1/app/:app_id/attempt/endpoint/:endpoint_id',
    {
      schema: {
        tags,
        summary: "List an endpoint's attempts, newest first",
        params: EndpointParams,
        querystring: Type.Object({
          ...AttemptListQuery,
          with_msg: Type.Boolean({ default: false, description: "Include each attempt's message (without payload)" }),
        }),
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
      const page = await listAttempts(application.id, query, { endpointId: endpoint.id });
      return attemptsOut(application.id, page, {
        expanded: query.expanded_statuses,
        withContent: query.with_content,
        withMsg: query.with_msg,
      });
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
      const page = await listAttempts(application.id, query, { msgId: message.id, endpointId });
      return attemptsOut(application.id, page, {
        expanded: query.expanded_statuses,
        withContent: query.with_content,
        withMsg: false,
      });
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
          ...PaginationQuery,
          ...TimeFilterQuery,
          status: Type.Optional(StatusQuery),
          channel: Type.Optional(ChannelName),
          tag: Type.Optional(TagQuery),
          event_types: Type.Optional(EventTypesQuery),
          with_content: WithContentQuery,
          expanded_statuses: ExpandedStatuses,
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
      if (query.tag !== undefined) return EMPTY_PAGE;
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
