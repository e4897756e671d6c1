import { Type } from 'typebox';
import { sendJsonText } from '../http/json-body.js';
import { ListResponse, PaginationQuery, toListJson, toPageQuery } from '../http/pagination.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import type { TypedApp } from '../outbound/context.js';
import { toNewConnection, toPatchedConnection } from './connection-input.js';
import { type ReceiveApiDeps, requireConnection, requireDestination, requireSource } from './context.js';
import { ConnectionParams } from './params.js';
import { ConnectionIn, ConnectionOut, ConnectionPatch, Ref } from './schemas.js';
import { connectionJson } from './serialize.js';

const tags = ['Connection'];

/** `/api/v1/connection`: list (by source, destination), create, get, patch, delete. */
export function registerConnectionRoutes(app: TypedApp, deps: ReceiveApiDeps): void {
  const { store, now } = deps;

  app.get(
    '/api/v1/connection',
    {
      schema: {
        tags,
        summary: 'List connections',
        querystring: Type.Object({
          ...PaginationQuery,
          source: Type.Optional(Ref('Only those of this source (id or uid)')),
          destination: Type.Optional(Ref('Only those to this destination (id or uid)')),
        }),
        response: withErrors({ 200: ListResponse(ConnectionOut) }),
      },
    },
    async (request, reply) => {
      const { source, destination } = request.query;
      const filter = {
        ...(source === undefined ? {} : { sourceId: (await requireSource(store, source)).id }),
        ...(destination === undefined ? {} : { destinationId: (await requireDestination(store, destination)).id }),
      };
      const page = await store.connections.list(filter, toPageQuery(request.query));
      return sendJsonText(reply, 200, toListJson(page, connectionJson));
    },
  );

  app.post(
    '/api/v1/connection',
    {
      schema: {
        tags,
        summary: 'Create a connection',
        description:
          'Routes a source to a destination. `filter` (hookd filter language) and `transform` (JavaScript, run in a sandbox) are checked here.',
        body: ConnectionIn,
        response: withErrors({ 201: ConnectionOut }),
      },
    },
    async (request, reply) => {
      const input = await toNewConnection(deps, request.body);
      return sendJsonText(reply, 201, connectionJson(await store.connections.create(input, now())));
    },
  );

  app.get(
    '/api/v1/connection/:connection_id',
    {
      schema: {
        tags,
        summary: 'Get a connection',
        params: ConnectionParams,
        response: withErrors({ 200: ConnectionOut }),
      },
    },
    async (request, reply) =>
      sendJsonText(reply, 200, connectionJson(await requireConnection(store, request.params.connection_id))),
  );

  app.patch(
    '/api/v1/connection/:connection_id',
    {
      schema: {
        tags,
        summary: 'Partially update a connection',
        params: ConnectionParams,
        body: ConnectionPatch,
        response: withErrors({ 200: ConnectionOut }),
      },
    },
    async (request, reply) => {
      const existing = await requireConnection(store, request.params.connection_id);
      const input = await toPatchedConnection(deps, existing, request.body);
      return sendJsonText(reply, 200, connectionJson(await store.connections.update(existing.id, input, now())));
    },
  );

  app.delete(
    '/api/v1/connection/:connection_id',
    {
      schema: {
        tags,
        summary: 'Delete a connection',
        description: 'Its events stay (a pending one is still forwarded).',
        params: ConnectionParams,
        response: withErrors({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      await store.connections.delete((await requireConnection(store, request.params.connection_id)).id);
      return reply.code(204).send();
    },
  );
}
