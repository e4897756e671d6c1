import { Type } from 'typebox';
import { ListResponse, PaginationQuery, toListResponse, toPageQuery } from '../http/pagination.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import type { Destination } from '../core/types.js';
import type { TypedApp } from '../outbound/context.js';
import { circuitsOf } from '../outbound/endpoint-circuits.js';
import { type ReceiveApiDeps, requireDestination } from './context.js';
import { toNewDestination, toPatchedDestination } from './destination-input.js';
import { DestinationParams } from './params.js';
import { DestinationIn, DestinationOut, DestinationPatch } from './schemas.js';
import { destinationOut } from './serialize.js';

const tags = ['Destination'];

/** `/api/v1/destination`: list, create, get, patch, delete. A destination is named by its id or uid. */
export function registerDestinationRoutes(app: TypedApp, deps: ReceiveApiDeps): void {
  const { store, now, config } = deps;
  /** DestinationOut of each destination, with its circuit (`circuitState`), read in one query. */
  const out = async (destinations: readonly Destination[]) => {
    const circuits = await circuitsOf(store, [], destinations);
    return destinations.map((d) => ({ ...destinationOut(d), circuitState: circuits.get(d.id) ?? 'closed' }));
  };
  const one = async (destination: Destination) => (await out([destination]))[0];

  app.get(
    '/api/v1/destination',
    {
      schema: {
        tags,
        summary: 'List destinations',
        querystring: Type.Object(PaginationQuery),
        response: withErrors({ 200: ListResponse(DestinationOut) }),
      },
    },
    async (request) => {
      const page = await store.destinations.list(toPageQuery(request.query));
      return toListResponse({ ...page, data: await out(page.data) }, (destination) => destination);
    },
  );

  app.post(
    '/api/v1/destination',
    {
      schema: {
        tags,
        summary: 'Create a destination',
        description: 'Where received requests are forwarded: the request path is appended to `url`.',
        body: DestinationIn,
        response: withErrors({ 201: DestinationOut }),
      },
    },
    async (request, reply) => {
      const input = toNewDestination(request.body, config.allowedNetworks);
      return reply.code(201).send(await one(await store.destinations.create(input, now())));
    },
  );

  app.get(
    '/api/v1/destination/:destination_id',
    {
      schema: {
        tags,
        summary: 'Get a destination',
        params: DestinationParams,
        response: withErrors({ 200: DestinationOut }),
      },
    },
    async (request) => one(await requireDestination(store, request.params.destination_id)),
  );

  app.patch(
    '/api/v1/destination/:destination_id',
    {
      schema: {
        tags,
        summary: 'Partially update a destination',
        params: DestinationParams,
        body: DestinationPatch,
        response: withErrors({ 200: DestinationOut }),
      },
    },
    async (request) => {
      const existing = await requireDestination(store, request.params.destination_id);
      const input = toPatchedDestination(existing, request.body, config.allowedNetworks);
      return one(await store.destinations.update(existing.id, input, now()));
    },
  );

  app.delete(
    '/api/v1/destination/:destination_id',
    {
      schema: {
        tags,
        summary: 'Delete a destination',
        description: 'Its connections and its events (with their attempts) go with it.',
        params: DestinationParams,
        response: withErrors({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      const existing = await requireDestination(store, request.params.destination_id);
      await store.destinations.delete(existing.id);
      return reply.code(204).send();
    },
  );
}
