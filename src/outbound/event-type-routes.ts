import { Type, type Static } from 'typebox';
import { ConflictError } from '../core/errors.js';
import type { EventType } from '../core/types.js';
import { memberTextOf, sendJsonText } from '../http/json-body.js';
import { ListResponse, PaginationQuery, toListJson, toPageQuery } from '../http/pagination.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import type { EventTypeInput } from '../store/store.js';
import { requireEventType, type OutboundDeps, type TypedApp } from './context.js';
import { EventTypeParams } from './params.js';
import { EventTypeIn, EventTypeOut, EventTypePatch, EventTypeUpdate } from './schemas.js';
import { eventTypeJson } from './serialize.js';

const tags = ['Event Type'];
type EventTypeFields = Omit<EventTypeInput, 'name' | 'description'>;

/** `/api/v1/event-type`: list, create (or unarchive), get, upsert, patch, archive or expunge. */
export function registerEventTypeRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now } = deps;

  app.get(
    '/api/v1/event-type',
    {
      schema: {
        tags,
        summary: 'List event types',
        querystring: Type.Object({
          ...PaginationQuery,
          include_archived: Type.Boolean({ default: false }),
          with_content: Type.Boolean({ default: false, description: 'Include the schemas' }),
        }),
        response: withErrors({ 200: ListResponse(EventTypeOut) }),
      },
    },
    async (request, reply) => {
      const { include_archived: includeArchived, with_content: withContent } = request.query;
      const page = await store.eventTypes.list({ ...toPageQuery(request.query), includeArchived });
      return sendJsonText(
        reply,
        200,
        toListJson(page, (eventType) => eventTypeJson(eventType, withContent)),
      );
    },
  );

  app.post(
    '/api/v1/event-type',
    {
      schema: {
        tags,
        summary: 'Create an event type',
        description:
          'Creating an archived event type unarchives it and replaces its description and schemas (as in Svix).',
        body: EventTypeIn,
        response: withErrors({ 201: EventTypeOut }),
      },
    },
    async (request, reply) => {
      const { name, description } = request.body;
      const fields = toEventTypeFields(request.body);
      const existing = await store.eventTypes.get(name);
      let saved: EventType;
      if (existing === null) {
        saved = await store.eventTypes.create({ name, description, ...fields }, now());
      } else if (existing.archived) {
        saved = await store.eventTypes.update(name, withDefaults(description, fields), now());
      } else {
        throw new ConflictError(`event type ${name} already exists`);
      }
      return sendJsonText(reply, 201, eventTypeJson(saved));
    },
  );

  app.get(
    '/api/v1/event-type/:event_type_name',
    {
      schema: {
        tags,
        summary: 'Get an event type',
        params: EventTypeParams,
        response: withErrors({ 200: EventTypeOut }),
      },
    },
    async (request, reply) =>
      sendJsonText(reply, 200, eventTypeJson(await requireEventType(store, request.params.event_type_name))),
  );

  app.put(
    '/api/v1/event-type/:event_type_name',
    {
      schema: {
        tags,
        summary: 'Create or update an event type',
        params: EventTypeParams,
        body: EventTypeUpdate,
        response: withErrors({ 200: EventTypeOut, 201: EventTypeOut }),
      },
    },
    async (request, reply) => {
      const name = request.params.event_type_name;
      // PUT replaces: fields left out go back to their defaults.
      const input = withDefaults(request.body.description, toEventTypeFields(request.body));
      if ((await store.eventTypes.get(name)) !== null) {
        return sendJsonText(reply, 200, eventTypeJson(await store.eventTypes.update(name, input, now())));
      }
      try {
        return sendJsonText(reply, 201, eventTypeJson(await store.eventTypes.create({ name, ...input }, now())));
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        return sendJsonText(reply, 200, eventTypeJson(await store.eventTypes.update(name, input, now())));
      }
    },
  );

  app.patch(
    '/api/v1/event-type/:event_type_name',
    {
      schema: {
        tags,
        summary: 'Partially update an event type',
        params: EventTypeParams,
        body: EventTypePatch,
        response: withErrors({ 200: EventTypeOut }),
      },
    },
    async (request, reply) => {
      const existing = await requireEventType(store, request.params.event_type_name);
      const input = {
        description: request.body.description ?? existing.description,
        archived: existing.archived,
        deprecated: existing.deprecated,
        featureFlag: existing.featureFlag,
        schemas: existing.schemas,
        ...toEventTypeFields(request.body),
      };
      return sendJsonText(reply, 200, eventTypeJson(await store.eventTypes.update(existing.name, input, now())));
    },
  );

  app.delete(
    '/api/v1/event-type/:event_type_name',
    {
      schema: {
        tags,
        summary: 'Archive an event type',
        description: 'Archives the event type; with `expunge=true` deletes it for good.',
        params: EventTypeParams,
        querystring: Type.Object({ expunge: Type.Boolean({ default: false }) }),
        response: withErrors({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      const existing = await requireEventType(store, request.params.event_type_name);
      await store.eventTypes.delete(existing.name, request.query.expunge, now());
      return reply.code(204).send();
    },
  );
}

/** A full replacement (PUT, or unarchiving POST): the fields left out go back to their defaults. */
function withDefaults(description: string, fields: EventTypeFields) {
  return { description, archived: false, deprecated: false, featureFlag: null, schemas: null, ...fields };
}

/**
 * The optional fields present in the body; `featureFlags` (newer SDKs) maps to the single flag.
 * `schemas` is kept as the text the customer sent (`memberTextOf`), never re-serialized, so that
 * the examples `send-example` sends keep their numbers as written (`1.0`, `12345678901234567890`).
 */
function toEventTypeFields(body: Static<typeof EventTypePatch>): EventTypeFields {
  const out: EventTypeFields = {};
  if (body.archived !== undefined) out.archived = body.archived;
  if (body.deprecated !== undefined) out.deprecated = body.deprecated;
  if (body.schemas !== undefined) out.schemas = body.schemas === null ? null : (memberTextOf(body, 'schemas') ?? null);
  if (body.featureFlag !== undefined) out.featureFlag = body.featureFlag;
  else if (body.featureFlags !== undefined) out.featureFlag = body.featureFlags?.[0] ?? null;
  return out;
}
