import { toSvixKeyForm } from '../core/signing.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import { emptyBodyAsObject, requireAppEndpoint, type OutboundDeps, type TypedApp } from './context.js';
import { secretOrGenerated } from './endpoint-input.js';
import { EndpointSecretOut, EndpointSecretRotateIn } from './endpoint-schemas.js';
import { EndpointParams } from './params.js';
import { currentSecret, rotateSecrets } from './secret-rotation.js';

const tags = ['Endpoint'];
const DEFAULT_GRACE_PERIOD_SECONDS = 24 * 60 * 60;

/** `.../endpoint/{endpoint_id}/secret` and `.../secret/rotate`. */
export function registerEndpointSecretRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now } = deps;

  app.get(
    '/api/v1/app/:app_id/endpoint/:endpoint_id/secret',
    {
      schema: {
        tags,
        summary: "Get the endpoint's signing secret",
        description:
          "An ed25519 key is printed in Svix's form: `whsk_` + base64 of the 32-byte seed and the 32-byte public key.",
        params: EndpointParams,
        response: withErrors({ 200: EndpointSecretOut }),
      },
    },
    async (request) => {
      const { endpoint } = await requireAppEndpoint(store, request.params.app_id, request.params.endpoint_id);
      return { key: toSvixKeyForm(currentSecret(endpoint.secrets) ?? '') };
    },
  );

  app.post(
    '/api/v1/app/:app_id/endpoint/:endpoint_id/secret/rotate',
    {
      schema: {
        tags,
        summary: "Rotate the endpoint's signing secret",
        description:
          'The new key (given, or generated) signs from now on; the previous key keeps signing for `gracePeriodSeconds` (default 86400, 0 to 604800).',
        params: EndpointParams,
        body: EndpointSecretRotateIn,
        response: withErrors({ 204: NoContent }),
      },
      // The body is optional: a bare POST rotates to a generated key.
      preValidation: emptyBodyAsObject,
    },
    async (request, reply) => {
      const { application, endpoint } = await requireAppEndpoint(
        store,
        request.params.app_id,
        request.params.endpoint_id,
      );
      const key = secretOrGenerated(request.body.key, 'key');
      const grace = request.body.gracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
      const at = now();
      await store.endpoints.setSecrets(
        application.id,
        endpoint.id,
        rotateSecrets(endpoint.secrets, key, grace, at),
        at,
      );
      return reply.code(204).send();
    },
  );
}
