import { Type } from 'typebox';
import { ConflictError, NotFoundError } from '../core/errors.js';
import { generateSecret } from '../core/signing.js';
import type { Endpoint } from '../core/types.js';
import { ListResponse, PaginationQuery, toListResponse, toPageQuery } from '../http/pagination.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import { isEndpointId, requireAppEndpoint, requireApplication, type OutboundDeps, type TypedApp } from './context.js';
import { toNewEndpoint, toPatched, toReplacement } from './endpoint-input.js';
import { EndpointIn, EndpointOut, EndpointPatch, EndpointUpdate } from './endpoint-schemas.js';
import { AppParams, EndpointParams } from './params.js';
import { endpointsOut, endpointWithCircuit } from './endpoint-circuits.js';

const tags = ['Endpoint'];

/** `/api/v1/app/{app_id}/endpoint`: list, create, get, upsert, patch, delete. */
export function registerEndpointRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now, config } = deps;
  const out = (endpoint: Endpoint) => endpointWithCircuit(store, endpoint);

  app.get(
    '/api/v1/app/:app_id/endpoint',
    {
      schema: {
        tags,
        summary: 'List endpoints',
        params: AppParams,
        querystring: Type.Object(PaginationQuery),
        response: withErrors({ 200: ListResponse(EndpointOut) }),
      },
    },
    async (request) => {
      const application = await requireApplication(store, request.params.app_id);
      const page = await store.endpoints.list(application.id, toPageQuery(request.query));
      return toListResponse({ ...page, data: await endpointsOut(store, page.data) }, (endpoint) => endpoint);
    },
  );

  app.post(
    '/api/v1/app/:app_id/endpoint',
    {
      schema: {
        tags,
        summary: 'Create an endpoint',
        description:
          'Without `secret`, a signing secret is generated. `filterTypes` and `rateLimit` are accepted as older names of `eventTypes` and `throttleRate`.',
        params: AppParams,
        body: EndpointIn,
        response: withErrors({ 201: EndpointOut }),
      },
    },
    async (request, reply) => {
      const application = await requireApplication(store, request.params.app_id);
      const input = toNewEndpoint(request.body, config.allowedNetworks);
      return reply.code(201).send(await out(await store.endpoints.create(application.id, input, now())));
    },
  );

  app.get(
    '/api/v1/app/:app_id/endpoint/:endpoint_id',
    {
      schema: { tags, summary: 'Get an endpoint', params: EndpointParams, response: withErrors({ 200: EndpointOut }) },
    },
    async (request) => {
      const { endpoint } = await requireAppEndpoint(store, request.params.app_id, request.params.endpoint_id);
      return out(endpoint);
    },
  );

  app.put(
    '/api/v1/app/:app_id/endpoint/:endpoint_id',
    {
      schema: {
        tags,
        summary: 'Create or update an endpoint',
        description:
          'Replaces the endpoint (200; its secret and headers stay), or creates it with the path as its uid (201).',
        params: EndpointParams,
        body: EndpointUpdate,
        response: withErrors({ 200: EndpointOut, 201: EndpointOut }),
      },
    },
    async (request, reply) => {
      const { app_id: appRef, endpoint_id: ref } = request.params;
      const application = await requireApplication(store, appRef);
      const replacement = toReplacement(request.body, config.allowedNetworks);
      const existing = await store.endpoints.get(application.id, ref);
      if (existing !== null) {
        const input = {
          ...replacement,
          uid: request.body.uid === undefined ? existing.uid : replacement.uid,
          headers: existing.headers,
        };
        return reply.code(200).send(await out(await store.endpoints.update(application.id, existing.id, input, now())));
      }
      if (isEndpointId(ref)) throw new NotFoundError('endpoint'); // an id cannot be chosen
      try {
        const created = await store.endpoints.create(
          application.id,
          { ...replacement, uid: ref, headers: {}, secret: generateSecret() },
          now(),
        );
        return reply.code(201).send(await out(created));
      } catch (err) {
        // A concurrent PUT created it first: this one updates it.
        const winner = err instanceof ConflictError ? await store.endpoints.get(application.id, ref) : null;
        if (winner === null) throw err;
        const input = { ...replacement, uid: winner.uid, headers: winner.headers };
        return reply.code(200).send(await out(await store.endpoints.update(application.id, winner.id, input, now())));
      }
    },
  );

  app.patch(
    '/api/v1/app/:app_id/endpoint/:endpoint_id',
    {
      schema: {
        tags,
        summary: 'Partially update an endpoint',
        params: EndpointParams,
        body: EndpointPatch,
        response: withErrors({ 200: EndpointOut }),
      },
    },
    async (request) => {
      const { application, endpoint: existing } = await requireAppEndpoint(
        store,
        request.params.app_id,
        request.params.endpoint_id,
      );
      const input = toPatched(existing, request.body, config.allowedNetworks);
      return await out(await store.endpoints.update(application.id, existing.id, input, now()));
    },
  );

  app.delete(
    '/api/v1/app/:app_id/endpoint/:endpoint_id',
    {
      schema: { tags, summary: 'Delete an endpoint', params: EndpointParams, response: withErrors({ 204: NoContent }) },
    },
    async (request, reply) => {
      const { application, endpoint: existing } = await requireAppEndpoint(
        store,
        request.params.app_id,
        request.params.endpoint_id,
      );
      await store.endpoints.delete(application.id, existing.id);
      return reply.code(204).send();
    },
  );
}
