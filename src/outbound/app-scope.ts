import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../core/errors.js';
import type { ApplicationStore } from '../store/store.js';
import { isApplicationId } from './context.js';
import { HEALTH_ROUTES } from './health-routes.js';

/** Routes of the sending face that answer without a token (the server serves `/api/v1/openapi.json`, also public). */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(HEALTH_ROUTES);
/** The one route outside its application that an app-portal token reaches: logging itself out. */
export const LOGOUT_ROUTE = '/api/v1/auth/logout';
const APP_ROUTE_PREFIX = '/api/v1/app/:app_id';
const EVENT_TYPE_ROUTE_PREFIX = '/api/v1/event-type';

/**
 * Keeps an app-scoped (app-portal) token inside its application: `/api/v1/app/{its app}/...` and
 * reading event types, and logging itself out. Everything else is 403 for it (`ForbiddenError`), including changing or
 * deleting the application record itself and minting portal tokens. `route` is the matched
 * route as registered (`/api/v1/app/:app_id/...`).
 */
export async function checkAppScope(
  applications: ApplicationStore,
  request: FastifyRequest,
  route: string,
  tokenAppId: string,
): Promise<void> {
  if (route.startsWith(EVENT_TYPE_ROUTE_PREFIX) && request.method === 'GET') return;
  if (route === LOGOUT_ROUTE) return;
  const isAppRoute = route === APP_ROUTE_PREFIX || route.startsWith(`${APP_ROUTE_PREFIX}/`);
  if (!isAppRoute) throw new ForbiddenError();
  if (route === APP_ROUTE_PREFIX && request.method !== 'GET') throw new ForbiddenError();
  const ref = (request.params as { app_id: string }).app_id;
  if (ref === tokenAppId) return;
  // Another application's id: no need to look it up (a uid never starts with `app_`).
  if (isApplicationId(ref)) throw new ForbiddenError();
  // The path may name the app by uid: resolve it. An unknown ref is 403, not 404, so that an
  // app token cannot probe which other applications exist.
  const target = await applications.get(ref);
  if (target === null || target.id !== tokenAppId) throw new ForbiddenError();
}
