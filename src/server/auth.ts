import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { ForbiddenError, UnauthorizedError } from '../core/errors.js';
import { ADMIN_TOKEN_SETTING, hashToken } from '../http/api-tokens.js';
import { isApplicationId } from '../outbound/context.js';
import type { Store } from '../store/store.js';

/** Who is calling: the hash of their token (it scopes idempotency keys) and the app they are limited to. */
export interface AuthContext {
  tokenHash: string;
  /** `null`: admin. Otherwise the only application this token reaches. */
  appId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every authenticated route. */
    auth: AuthContext | null;
  }
}

/** Routes that answer without a token. */
const PUBLIC_ROUTES = new Set(['/api/v1/health', '/api/v1/openapi.json']);
const APP_ROUTE_PREFIX = '/api/v1/app/:app_id';
const EVENT_TYPE_ROUTE_PREFIX = '/api/v1/event-type';

/**
 * Checks `Authorization: Bearer <token>` on every route but health and the OpenAPI document, and
 * keeps app-scoped tokens inside their application: `/api/v1/app/{their app}/...` and reading
 * event types. Everything else is 403 for them, including changing or deleting the application
 * record itself and minting portal tokens.
 */
export async function installAuth(app: FastifyInstance, deps: { config: Config; store: Store; now: () => number }): Promise<void> {
  const { config, store, now } = deps;
  // The admin token's hash is read once: hashes are compared, never the tokens themselves.
  const adminHash = config.adminToken !== null ? hashToken(config.adminToken) : await store.auth.getSetting(ADMIN_TOKEN_SETTING);
  const adminHashBytes = adminHash !== null ? Buffer.from(adminHash, 'hex') : null;

  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    // No route matched: let the 404 handler answer; there is nothing to protect.
    if (route === undefined || PUBLIC_ROUTES.has(route)) return;
    const token = bearerToken(request);
    if (token === null) throw new UnauthorizedError();
    const tokenHash = hashToken(token);
    if (adminHashBytes !== null && timingSafeEqual(Buffer.from(tokenHash, 'hex'), adminHashBytes)) {
      request.auth = { tokenHash, appId: null };
      return;
    }
    const stored = await store.auth.findTokenByHash(tokenHash);
    if (stored === null || (stored.expiresAt !== null && stored.expiresAt <= now())) throw new UnauthorizedError();
    request.auth = { tokenHash, appId: stored.appId };
    if (stored.appId !== null) await checkAppScope(request, route, stored.appId, store);
  });
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

async function checkAppScope(request: FastifyRequest, route: string, tokenAppId: string, store: Store): Promise<void> {
  if (route.startsWith(EVENT_TYPE_ROUTE_PREFIX) && request.method === 'GET') return;
  const isAppRoute = route === APP_ROUTE_PREFIX || route.startsWith(APP_ROUTE_PREFIX + '/');
  if (!isAppRoute) throw new ForbiddenError();
  if (route === APP_ROUTE_PREFIX && request.method !== 'GET') throw new ForbiddenError();
  const ref = (request.params as { app_id: string }).app_id;
  if (ref === tokenAppId) return;
  // Another application's id: no need to look it up (a uid never starts with `app_`).
  if (isApplicationId(ref)) throw new ForbiddenError();
  // The path may name the app by uid: resolve it. An unknown ref is 403, not 404, so that an
  // app token cannot probe which other applications exist.
  const target = await store.applications.get(ref);
  if (target === null || target.id !== tokenAppId) throw new ForbiddenError();
}
