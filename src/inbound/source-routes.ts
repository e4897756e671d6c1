import { Type } from 'typebox';
import { ListResponse, PaginationQuery, toListResponse, toPageQuery } from '../http/pagination.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import type { TypedApp } from '../outbound/context.js';
import { type ReceiveApiDeps, requireSource } from './context.js';
import { SourceParams } from './params.js';
import { SourceIn, SourceOut, SourcePatch } from './schemas.js';
import { sourceOut } from './serialize.js';
import { toNewSource, toPatchedSource } from './source-input.js';

const tags = ['Source'];

/** `/api/v1/source`: list, create, get, patch, delete. A source is named by its id or uid. */
export function registerSourceRoutes(app: TypedApp, deps: ReceiveApiDeps): void {
  const { store, now, config } = deps;
  const out = (source: Parameters<typeof sourceOut>[0]) => sourceOut(source, config.publicUrl);

  app.get(
    '/api/v1/source',
    {
      schema: {
        tags,
        summary: 'List sources',
        querystring: Type.Object(PaginationQuery),
        response: withErrors({ 200: ListResponse(SourceOut) }),
      },
    },
    async (request) => toListResponse(await store.sources.list(toPageQuery(request.query)), out),
  );

  app.post(
    '/api/v1/source',
    {
      schema: {
        tags,
        summary: 'Create a source',
        description:
          'A URL (`url`) that receives webhooks. With no `verification` (`{type: "none"}`) and no connection it is a capture URL.',
        body: SourceIn,
        response: withErrors({ 201: SourceOut }),
      },
    },
    async (request, reply) => reply.code(201).send(out(await store.sources.create(toNewSource(request.body), now()))),
  );

  app.get(
    '/api/v1/source/:source_id',
    { schema: { tags, summary: 'Get a source', params: SourceParams, response: withErrors({ 200: SourceOut }) } },
    async (request) => out(await requireSource(store, request.params.source_id)),
  );

  app.patch(
    '/api/v1/source/:source_id',
    {
      schema: {
        tags,
        summary: 'Partially update a source',
        params: SourceParams,
        body: SourcePatch,
        response: withErrors({ 200: SourceOut }),
      },
    },
    async (request) => {
      const existing = await requireSource(store, request.params.source_id);
      return out(await store.sources.update(existing.id, toPatchedSource(existing, request.body), now()));
    },
  );

  app.delete(
    '/api/v1/source/:source_id',
    {
      schema: {
        tags,
        summary: 'Delete a source',
        description: 'Its connections go with it; its requests stay.',
        params: SourceParams,
        response: withErrors({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      const existing = await requireSource(store, request.params.source_id);
      await store.sources.delete(existing.id);
      return reply.code(204).send();
    },
  );
}
