import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { Config } from '../config/config.js';
import { UnauthorizedError } from '../core/errors.js';
import { ADMIN_TOKEN_SETTING, hashToken } from '../http/api-tokens.js';
import type { HookdMetrics } from '../metrics/hookd-metrics.js';
import type { Store } from '../store/store.js';
import { STORAGE_RETRY_AFTER_SECONDS } from './error-handler.js';

export interface OpsRoutesDeps {
  config: Pick<Config, 'adminToken' | 'metricsToken'>;
  store: Pick<Store, 'monitor' | 'auth'>;
  /** Null when metrics are off (`HOOKD_METRICS=off`): `/metrics` is then a 404. */
  metrics: HookdMetrics | null;
}

/**
 * What operators and orchestrators call, outside `/api/v1`:
 * - `GET /healthz`: liveness, 200 while the process serves HTTP (no store access);
 * - `GET /readyz`: readiness, 200 when the store answers a query, else 503 `storage_unavailable`;
 * - `GET /metrics`: Prometheus text format, for the admin token or `HOOKD_METRICS_TOKEN`
 *   (failures count against the failed-authentication limit like the API's).
 */
export async function registerOpsRoutes(app: FastifyInstance, deps: OpsRoutesDeps): Promise<void> {
  const { store, metrics } = deps;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await store.monitor.ping();
      return { status: 'ready' };
    } catch {
      return reply
        .code(503)
        .header('retry-after', String(STORAGE_RETRY_AFTER_SECONDS))
        .send({ code: 'storage_unavailable', detail: 'the database does not answer' });
    }
  });
  if (metrics === null) return;
  const allowed = await metricsTokenHashes(deps);
  app.get('/metrics', async (request, reply) => {
    await checkMetricsToken(app, request, allowed);
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(text);
  });
}

/** The hashes of the tokens that may scrape: the admin token's and `metricsToken`'s. */
async function metricsTokenHashes(deps: OpsRoutesDeps): Promise<Buffer[]> {
  const admin =
    deps.config.adminToken !== null
      ? hashToken(deps.config.adminToken)
      : await deps.store.auth.getSetting(ADMIN_TOKEN_SETTING);
  return [admin, deps.config.metricsToken === null ? null : hashToken(deps.config.metricsToken)]
    .filter((hash): hash is string => hash !== null)
    .map((hash) => Buffer.from(hash, 'hex'));
}

async function checkMetricsToken(app: FastifyInstance, request: FastifyRequest, allowed: Buffer[]): Promise<void> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  const hash = match ? hashToken(match[1]) : null;
  if (hash !== null) {
    const presented = Buffer.from(hash, 'hex');
    // Every hash compared, in constant time: the answer's timing says nothing of which matched.
    let ok = false;
    for (const candidate of allowed) ok = timingSafeEqual(presented, candidate) || ok;
    if (ok) return;
  }
  if (app.hasDecorator('apiRateLimits')) await app.apiRateLimits.failed(request, hash);
  throw new UnauthorizedError();
}

/**
 * Counts each answer of the receive face (`/in/*`) by source and status: a hook on those routes
 * alone (added as they are registered), so that the other faces' requests pay nothing for it.
 */
export function countIngest(app: FastifyInstance, metrics: HookdMetrics): void {
  const count: onResponseHookHandler = (request, reply, done) => {
    // Unknown sources are named by whoever sends: one label for all of them keeps the series few.
    const source = reply.statusCode === 404 ? '' : ((request.params as { source?: string }).source ?? '');
    metrics.received(source, reply.statusCode);
    done();
  };
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/in/')) return;
    const hooks = route.onResponse;
    route.onResponse = hooks === undefined ? [count] : Array.isArray(hooks) ? [...hooks, count] : [hooks, count];
  });
}
