import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../config/config.js';
import type { Face } from '../http/face.js';
import type { Store } from '../store/store.js';
import { pageHeaders } from './security-headers.js';
import { registerSessionRoutes } from './session-routes.js';
import { registerDeadLetterRoutes } from './dead-letter-routes.js';
import { registerEventTypeCheckRoute } from './event-type-check-route.js';
import { installAdminEdge, registerStatsRoutes } from './stats-routes.js';
import { loadUiBundle, type UiFile } from './ui-bundle.js';

export interface DashboardDeps {
  config: Pick<Config, 'adminToken' | 'publicUrl' | 'portalFrameAncestors'>;
  store: Store;
  now: () => number;
  /** The built bundle's directory (default `dist/ui`). */
  uiDir?: string;
}

/**
 * The dashboard's deep links: each serves `index.html`, and the browser app picks the view from
 * the path, so a reload lands on the same view. Listed one by one rather than a catch-all: an
 * unknown path stays a JSON 404, and nothing here can shadow `/api/v1` or `/in`.
 */
export const PAGE_ROUTES = [
  '/',
  '/login',
  '/apps',
  '/apps/:app_id',
  '/apps/:app_id/endpoints/:endpoint_id',
  '/apps/:app_id/messages/:message_id',
  '/event-types',
  '/sources',
  '/sources/:source_id',
  '/destinations',
  '/destinations/:destination_id',
  '/connections',
  '/connections/:connection_id',
  '/dead-letters',
] as const;

/** The app portal's page: the same bundle, framable by `HOOKD_PORTAL_FRAME_ANCESTORS`. */
export const PORTAL_ROUTE = '/portal';

/**
 * The browser face: the dashboard and app portal bundle (built by Vite into `dist/ui`), served
 * from memory with a strict Content-Security-Policy, and the session routes of its login. Its
 * JSON parser and the CSRF check are its own; the API faces accept the session cookie it sets. The
 * overview's statistics and the sending side's dead letters are here too, behind the same API
 * edge as `/api/v1`, for admin tokens only.
 */
export function dashboardFace(deps: DashboardDeps): Face {
  return {
    name: 'dashboard',
    async plugin(app) {
      // Each in its own context: the login reads JSON without a token, statistics and dead letters sit behind the API edge.
      await app.register(async (child) => registerSessionRoutes(child, deps));
      await app.register(async (child) => {
        await installAdminEdge(child, deps);
        registerStatsRoutes(child, deps);
        registerDeadLetterRoutes(child, deps);
        registerEventTypeCheckRoute(child);
      });
      registerBundle(app, loadUiBundle(deps.uiDir), deps.config.portalFrameAncestors);
    },
  };
}

function registerBundle(app: FastifyInstance, bundle: Map<string, UiFile> | null, portalAncestors: string[]): void {
  const dashboardHeaders = pageHeaders([]);
  const portalHeaders = pageHeaders(portalAncestors);
  const send = (reply: FastifyReply, file: UiFile | undefined, headers: Record<string, string>) => {
    if (bundle === null)
      return reply.code(503).send({ code: 'ui_not_built', detail: 'the dashboard is not built: run npm run build:ui' });
    if (file === undefined) return reply.code(404).send({ code: 'not_found', detail: 'no such file in the dashboard' });
    return reply
      .headers(headers)
      .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .type(file.contentType)
      .send(file.body);
  };
  for (const url of PAGE_ROUTES)
    app.get(url, (_request, reply) => send(reply, bundle?.get('/index.html'), dashboardHeaders));
  app.get(PORTAL_ROUTE, (_request, reply) => send(reply, bundle?.get('/index.html'), portalHeaders));
  app.get('/assets/*', (request, reply) => {
    const path = request.url.split('?')[0];
    // Portal pages load the same assets: a framed portal needs them framable as well.
    return send(reply, bundle?.get(path), portalHeaders);
  });
}
