import { Type } from 'typebox';
import { formatTraceParent, parseTraceParent } from '../core/trace-context.js';
import { ConflictError, ValidationError } from '../core/errors.js';
import { memberTextOf, sendJsonText } from '../http/json-body.js';
import { EMPTY_PAGE, ListResponse, PaginationQuery, toListJson, toPageQuery } from '../http/pagination.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import { toApplicationInput } from './application-routes.js';
import {
  getOrCreateApplication,
  requireApplication,
  requireMessage,
  type OutboundDeps,
  type TypedApp,
} from './context.js';
import {
  EventTypesQuery,
  MessageIn,
  MessageOut,
  TagQuery,
  TimeFilterQuery,
  WithContentQuery,
} from './message-schemas.js';
import { AppParams, MessageParams } from './params.js';
import { parseEventTypes, parseTimeFilter } from './query-filters.js';
import { ChannelName } from './schemas.js';
import { messageJson } from './serialize.js';

const tags = ['Message'];

/** `/api/v1/app/{app_id}/msg`: send (the hot path), list, get, expunge content. */
export function registerMessageRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now } = deps;

  app.post(
    '/api/v1/app/:app_id/msg',
    {
      schema: {
        tags,
        summary: 'Send a message',
        description:
          'Fans the message out to every matching endpoint. A repeated `eventId` creates nothing and is a 409, as in Svix. ' +
          'With `application`, an unknown application in the path is created, the path being its uid. ' +
          'A W3C `traceparent` header is kept with the message: each attempt carries a child span of it (hookd).',
        params: AppParams,
        querystring: Type.Object({ with_content: WithContentQuery }),
        body: MessageIn,
        response: withErrors({ 202: MessageOut }),
      },
    },
    async (request, reply) => {
      const { body } = request;
      const ref = request.params.app_id;
      // Without `application`, the store resolves the ref in its batch (404 if unknown): no lookup here.
      const appRef = body.application
        ? (await getOrCreateApplication(deps, ref, toApplicationInput(body.application))).id
        : ref;
      // The payload's own text, compacted: these exact bytes are stored, signed, sent and returned.
      const payload = payloadTextOf(body);
      const { message, created } = await store.messages.create(
        {
          appRef,
          eventType: body.eventType,
          eventId: body.eventId ?? null,
          channels: body.channels ?? null,
          payload,
          payloadRetentionDays: body.payloadRetentionPeriod ?? deps.config.payloadRetentionDays,
          // W3C Trace Context: the attempts are sent as child spans of the caller's (an invalid one is ignored).
          traceparent: traceParentOf(request.headers.traceparent),
        },
        now(),
      );
      // As Svix's unique insert does: the application already has a message with this eventId.
      if (!created)
        throw new ConflictError(`a message with eventId ${JSON.stringify(body.eventId)} exists: ${message.id}`);
      return sendJsonText(reply, 202, messageJson(message, request.query.with_content, payload));
    },
  );

  app.get(
    '/api/v1/app/:app_id/msg',
    {
      schema: {
        tags,
        summary: 'List messages, newest first',
        description: 'With `with_content=false`, payloads are `{}`.',
        params: AppParams,
        querystring: Type.Object({
          ...PaginationQuery,
          ...TimeFilterQuery,
          channel: Type.Optional(ChannelName),
          tag: Type.Optional(TagQuery),
          event_types: Type.Optional(EventTypesQuery),
          with_content: WithContentQuery,
        }),
        response: withErrors({ 200: ListResponse(MessageOut) }),
      },
    },
    async (request, reply) => {
      const { query } = request;
      const application = await requireApplication(store, request.params.app_id);
      // hookd stores no message tags: a `tag` filter matches nothing.
      if (query.tag !== undefined) return EMPTY_PAGE;
      const page = await store.messages.list(application.id, {
        ...toPageQuery(query),
        channel: query.channel,
        eventTypes: parseEventTypes(query.event_types),
        ...parseTimeFilter(query),
      });
      return sendJsonText(
        reply,
        200,
        toListJson(page, (message) => messageJson(message, query.with_content)),
      );
    },
  );

  app.get(
    '/api/v1/app/:app_id/msg/:msg_id',
    {
      schema: {
        tags,
        summary: 'Get a message',
        params: MessageParams,
        querystring: Type.Object({ with_content: WithContentQuery }),
        response: withErrors({ 200: MessageOut }),
      },
    },
    async (request, reply) => {
      const application = await requireApplication(store, request.params.app_id);
      const message = await requireMessage(store, application.id, request.params.msg_id);
      return sendJsonText(reply, 200, messageJson(message, request.query.with_content));
    },
  );

  app.delete(
    '/api/v1/app/:app_id/msg/:msg_id/content',
    {
      schema: {
        tags,
        summary: "Delete a message's payload",
        params: MessageParams,
        response: withErrors({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      const application = await requireApplication(store, request.params.app_id);
      const message = await requireMessage(store, application.id, request.params.msg_id);
      await store.messages.expungeContent(application.id, message.id);
      return reply.code(204).send();
    },
  );
}

/** The `payload` member of a MessageIn body as the customer wrote it (`memberTextOf`). */
function payloadTextOf(body: { payload: Record<string, unknown> }): string {
  const payload = memberTextOf(body, 'payload');
  if (payload === undefined) throw new ValidationError('payload is required', 'payload');
  return payload;
}

/** A valid `traceparent` header, normalised; `null` for none or an invalid one (ignored, as the spec says). */
function traceParentOf(header: string | string[] | undefined): string | null {
  const parsed = parseTraceParent(typeof header === 'string' ? header : undefined);
  return parsed === null ? null : formatTraceParent(parsed);
}
