import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config/config.js';
import { ForbiddenError, UnauthorizedError } from '../core/errors.js';
import { adminTokenHashOf } from '../http/api-edge.js';
import { createApiToken, hashToken } from '../http/api-tokens.js';
import { tokenResolver } from '../http/bearer-auth.js';
import { installJsonBodyParser } from '../http/json-body.js';
import { CSRF_HEADER, SESSION_SECONDS, sessionCookie, sessionTokenOf } from '../http/session-cookie.js';
import { NoContent, Nullable, withErrors } from '../http/schema-types.js';
import type { Store } from '../store/store.js';

export interface SessionDeps {
  config: Pick<Config, 'adminToken' | 'publicUrl'>;
  store: Store;
  now: () => number;
}

const SessionOut = Type.Object(
  { loggedIn: Type.Boolean(), expiresAt: Nullable(Type.String({ format: 'date-time' })) },
  { title: 'SessionOut', description: 'Whether the session cookie is a live session, and until when' },
);

/**
 * The dashboard's login: `POST /api/v1/session {token}` trades the admin token (or a stored admin
 * token) for a new session token, set as the HttpOnly, SameSite=Strict cookie and never shown to
 * the page; `GET` says whether the cookie's session is live (200 either way); `DELETE` logs out (deletes the
 * session's row). An app-portal token cannot log in: the portal uses its bearer token instead.
 * Changes need the `x-hookd-csrf` header, as every cookie-authenticated change does.
 */
export async function registerSessionRoutes(app: FastifyInstance, deps: SessionDeps): Promise<void> {
  const { store, now, config } = deps;
  const resolveToken = tokenResolver({
    adminTokenHash: await adminTokenHashOf(deps),
    findToken: (hash) => store.auth.findTokenByHash(hash),
    now,
  });
  const secure = config.publicUrl.startsWith('https:');
  installJsonBodyParser(app);
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.post(
    '/api/v1/session',
    {
      schema: {
        tags: ['Dashboard'],
        summary: 'Log in to the dashboard',
        description: 'Sets the session cookie for an admin token. Needs the `x-hookd-csrf` header.',
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 1024 }) }),
        response: withErrors({ 200: SessionOut }),
      },
      preHandler: requireCsrfHeader,
    },
    async (request, reply) => {
      const auth = await resolveToken(hashToken(request.body.token));
      if (auth === null || auth.appId !== null) throw new UnauthorizedError('that is not an admin token');
      const at = now();
      const expiresAt = at + SESSION_SECONDS * 1000;
      const session = await createApiToken(store, { appId: null, expiresAt, now: at });
      reply.header('set-cookie', sessionCookie(session, secure)).header('cache-control', 'no-store');
      return { loggedIn: true, expiresAt: new Date(expiresAt).toISOString() };
    },
  );

  typed.get(
    '/api/v1/session',
    {
      schema: {
        tags: ['Dashboard'],
        summary: 'Whether the session cookie is logged in',
        response: withErrors({ 200: SessionOut }),
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const token = sessionTokenOf(request.headers.cookie);
      const stored = token === null ? null : await store.auth.findTokenByHash(hashToken(token));
      const live = stored !== null && stored.appId === null && (stored.expiresAt === null || stored.expiresAt > now());
      // 200 either way: the page asks before it knows, and a 401 would be an error in the browser's console.
      if (!live) return { loggedIn: false, expiresAt: null };
      return { loggedIn: true, expiresAt: stored.expiresAt === null ? null : new Date(stored.expiresAt).toISOString() };
    },
  );

  typed.delete(
    '/api/v1/session',
    {
      schema: { tags: ['Dashboard'], summary: 'Log out of the dashboard', response: withErrors({ 204: NoContent }) },
      preHandler: requireCsrfHeader,
    },
    async (request, reply) => {
      const token = sessionTokenOf(request.headers.cookie);
      if (token !== null) await store.auth.deleteToken(hashToken(token));
      reply.header('set-cookie', sessionCookie(null, secure)).code(204);
    },
  );
}

async function requireCsrfHeader(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (request.headers[CSRF_HEADER] === undefined)
    throw new ForbiddenError(`this request needs the ${CSRF_HEADER} header`);
}
