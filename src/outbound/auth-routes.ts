import { ForbiddenError, ValidationError } from '../core/errors.js';
import { createApiToken } from '../http/api-tokens.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import { LOGOUT_ROUTE } from './app-scope.js';
import { toApplicationInput } from './application-routes.js';
import { emptyBodyAsObject, getOrCreateApplication, type OutboundDeps, type TypedApp } from './context.js';
import { AppParams } from './params.js';
import { AppPortalAccessIn, AppPortalAccessOut } from './schemas.js';

const DEFAULT_PORTAL_TOKEN_SECONDS = 7 * 24 * 60 * 60;

/**
 * `POST /api/v1/auth/app-portal-access/{app_id}`: a token limited to one application, and its
 * portal link. `POST /api/v1/auth/logout`: the calling app-portal token revokes itself.
 */
export function registerAuthRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now, config } = deps;

  app.post(
    '/api/v1/auth/app-portal-access/:app_id',
    {
      schema: {
        tags: ['Authentication'],
        summary: 'Get a token and portal link for one application',
        description:
          'The token (`appsk_...`) reaches only this application and lasts `expiry` seconds (default 7 days). ' +
          'With `application`, an unknown application is created with the path as its uid.',
        params: AppParams,
        body: AppPortalAccessIn,
        response: withErrors({ 200: AppPortalAccessOut }),
      },
      // The body is optional: a bare POST gets a token for an existing application.
      preValidation: emptyBodyAsObject,
    },
    async (request) => {
      const { application: create, expiry, readOnly } = request.body;
      // Refused rather than ignored: a caller asking for a read-only token must not get a writer.
      if (readOnly)
        throw new ValidationError('read-only portal tokens are not supported yet; omit readOnly', 'readOnly');
      const application = await getOrCreateApplication(
        deps,
        request.params.app_id,
        create ? toApplicationInput(create) : null,
      );
      const at = now();
      const token = await createApiToken(store, {
        appId: application.id,
        expiresAt: at + (expiry ?? DEFAULT_PORTAL_TOKEN_SECONDS) * 1000,
        now: at,
      });
      return { token, url: `${config.publicUrl}/portal#key=${token}&app=${application.id}` };
    },
  );

  app.post(
    LOGOUT_ROUTE,
    {
      schema: {
        tags: ['Authentication'],
        summary: 'Log out an app-portal token',
        description:
          'Revokes the token that makes the call (204); it is refused (401) from then on. As in Svix, only an ' +
          'app-portal token can log out (403 for an admin token: change `HOOKD_ADMIN_TOKEN` instead).',
        response: withErrors({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      if (auth.appId === null) throw new ForbiddenError('only an app-portal token can log out');
      await store.auth.deleteToken(auth.tokenHash);
      return reply.code(204).send();
    },
  );
}
