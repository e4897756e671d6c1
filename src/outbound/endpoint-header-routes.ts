import { NoContent, withErrors } from '../http/schema-types.js';
import { requireAppEndpoint, type OutboundDeps, type TypedApp } from './context.js';
import { checkHeaders, mergeHeaders, splitSensitive } from './endpoint-headers.js';
import { EndpointHeadersIn, EndpointHeadersOut, EndpointHeadersPatchIn } from './endpoint-schemas.js';
import { EndpointParams } from './params.js';

const tags = ['Endpoint'];

/** `.../endpoint/{endpoint_id}/headers`: the custom headers sent with every request to the endpoint. */
export function registerEndpointHeaderRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now } = deps;
  const load = async (params: { app_id: string; endpoint_id: string }) =>
    (await requireAppEndpoint(store, params.app_id, params.endpoint_id)).endpoint;

  app.get(
    '/api/v1/app/:app_id/endpoint/:endpoint_id/headers',
    {
      schema: {
        tags,
        summary: "Get the endpoint's custom headers",
        description:
          'Values of credential headers (authorization, cookie, x-api-key, names containing token, secret, password...) are withheld; their names are listed in `sensitive`.',
        params: EndpointParams,
        response: withErrors({ 200: EndpointHeadersOut }),
      },
    },
    async (request) => splitSensitive((await load(request.params)).headers),
  );

  app.put(
    '/api/v1/app/:app_id/endpoint/:endpoint_id/headers',
    {
      schema: {
        tags,
        summary: "Replace the endpoint's custom headers",
        params: EndpointParams,
        body: EndpointHeadersIn,
        response: withErrors({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      const endpoint = await load(request.params);
      await store.endpoints.setHeaders(endpoint.appId, endpoint.id, checkHeaders(request.body.headers), now());
      return reply.code(204).send();
    },
  );

  app.patch(
    '/api/v1/app/:app_id/endpoint/:endpoint_id/headers',
    {
      schema: {
        tags,
        summary: "Change some of the endpoint's custom headers",
        description: 'Sets the headers given; a `null` value, or a name in `deleteHeaders`, removes that header.',
        params: EndpointParams,
        body: EndpointHeadersPatchIn,
        response: withErrors({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      const endpoint = await load(request.params);
      const headers = mergeHeaders(endpoint.headers, request.body.headers, request.body.deleteHeaders);
      await store.endpoints.setHeaders(endpoint.appId, endpoint.id, headers, now());
      return reply.code(204).send();
    },
  );
}
