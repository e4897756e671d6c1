import { Type } from 'typebox';
import { NotFoundError } from '../core/errors.js';
import type { Endpoint } from '../core/types.js';
import { ListResponse, PaginationQuery, toListResponse, toPageQuery } from '../http/pagination.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import { emptyBodyAsObject, type OutboundDeps, type TypedApp } from '../outbound/context.js';
import { secretOrGenerated, toNewEndpoint, toReplacement } from '../outbound/endpoint-input.js';
import {
  EndpointIn,
  EndpointOut,
  EndpointSecretOut,
  EndpointSecretRotateIn,
  EndpointUpdate,
} from '../outbound/endpoint-schemas.js';
import { currentSecret, rotateSecrets } from '../outbound/secret-rotation.js';
import { endpointsOut, endpointWithCircuit } from '../outbound/endpoint-circuits.js';
import { ensureOperationalApp } from './operational-webhooks.js';

const tags = ['Operational webhook'];
const PREFIX = '/api/v1/operational-webhook/endpoint';
const Params = Type.Object({ endpoint_id: Type.String({ minLength: 1, maxLength: 256 }) });
const GRACE_PERIOD_SECONDS = 24 * 60 * 60;

/**
 * `/api/v1/operational-webhook/endpoint`, as the svix SDK's `operationalWebhookEndpoint` calls
 * it: the operator's endpoints for operational webhooks (endpoints of the internal application,
 * see operational-webhooks.ts). Admin tokens only (an app-scoped token is refused outside its
 * application). Shapes are the endpoint API's.
 */
export function registerOperationalWebhookRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now, config } = deps;
  const appId = () => ensureOperationalApp(store, now());
  const out = (endpoint: Endpoint) => endpointWithCircuit(store, endpoint);
  const requireEndpoint = async (ref: string) => {
    const id = await appId();
    const endpoint = await store.endpoints.get(id, ref);
    if (!endpoint) throw new NotFoundError('endpoint');
    return { appId: id, endpoint };
  };

  app.get(
    PREFIX,
    {
      schema: {
        tags,
        summary: 'List operational webhook endpoints',
        querystring: Type.Object(PaginationQuery),
        response: withErrors({ 200: ListResponse(EndpointOut) }),
      },
    },
    async (request) => {
      const page = await store.endpoints.list(await appId(), toPageQuery(request.query));
      return toListResponse({ ...page, data: await endpointsOut(store, page.data) }, (endpoint) => endpoint);
    },
  );

  app.post(
    PREFIX,
    {
      schema: {
        tags,
        summary: 'Create an operational webhook endpoint',
        body: EndpointIn,
        response: withErrors({ 201: EndpointOut }),
      },
    },
    async (request, reply) => {
      const input = toNewEndpoint(request.body, config.allowedNetworks);
      return reply.code(201).send(await out(await store.endpoints.create(await appId(), input, now())));
    },
  );

  app.get(
    `${PREFIX}/:endpoint_id`,
    {
      schema: {
        tags,
        summary: 'Get an operational webhook endpoint',
        params: Params,
        response: withErrors({ 200: EndpointOut }),
      },
    },
    async (request) => out((await requireEndpoint(request.params.endpoint_id)).endpoint),
  );

  app.put(
    `${PREFIX}/:endpoint_id`,
    {
      schema: {
        tags,
        summary: 'Update an operational webhook endpoint',
        params: Params,
        body: EndpointUpdate,
        response: withErrors({ 200: EndpointOut }),
      },
    },
    async (request) => {
      const { appId: id, endpoint } = await requireEndpoint(request.params.endpoint_id);
      const replacement = toReplacement(request.body, config.allowedNetworks);
      const input = {
        ...replacement,
        uid: request.body.uid === undefined ? endpoint.uid : replacement.uid,
        headers: endpoint.headers,
      };
      return out(await store.endpoints.update(id, endpoint.id, input, now()));
    },
  );

  app.delete(
    `${PREFIX}/:endpoint_id`,
    {
      schema: {
        tags,
        summary: 'Delete an operational webhook endpoint',
        params: Params,
        response: withErrors({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      const { appId: id, endpoint } = await requireEndpoint(request.params.endpoint_id);
      await store.endpoints.delete(id, endpoint.id);
      return reply.code(204).send();
    },
  );

  app.get(
    `${PREFIX}/:endpoint_id/secret`,
    {
      schema: {
        tags,
        summary: 'Get its signing secret',
        params: Params,
        response: withErrors({ 200: EndpointSecretOut }),
      },
    },
    async (request) => ({
      key: currentSecret((await requireEndpoint(request.params.endpoint_id)).endpoint.secrets) ?? '',
    }),
  );

  app.post(
    `${PREFIX}/:endpoint_id/secret/rotate`,
    {
      schema: {
        tags,
        summary: 'Rotate its signing secret',
        params: Params,
        body: EndpointSecretRotateIn,
        response: withErrors({ 204: NoContent }),
      },
      preValidation: emptyBodyAsObject,
    },
    async (request, reply) => {
      const { appId: id, endpoint } = await requireEndpoint(request.params.endpoint_id);
      const key = secretOrGenerated(request.body.key, 'key');
      const at = now();
      const grace = request.body.gracePeriodSeconds ?? GRACE_PERIOD_SECONDS;
      await store.endpoints.setSecrets(id, endpoint.id, rotateSecrets(endpoint.secrets, key, grace, at), at);
      return reply.code(204).send();
    },
  );
}
