import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { installApiRateLimits } from '../http/api-rate-limits.js';
import type { Face } from '../http/face.js';
import { type ReceiveFacesDeps, receiveFaces } from '../inbound/receive-faces.js';
import { createTransformPool, type TransformPool } from '../inbound/transform-pool.js';
import { outboundFace } from '../outbound/outbound-face.js';
import { dashboardFace } from '../dashboard/dashboard-face.js';
import type { Store } from '../store/store.js';
import { capConnections, connectionOptions } from './connection-limits.js';
import { installErrorHandler } from './error-handler.js';
import { countIngest, registerOpsRoutes } from './ops-routes.js';
import { HookdMetrics } from '../metrics/hookd-metrics.js';
import { StorageIncidents } from './storage-incidents.js';
import { createLogger } from '../log/create-logger.js';
import { installOpenApi } from './openapi.js';
import { installRequestIdHeader, requestIdOf } from './request-id.js';
import { RequestLogController } from './request-log-controller.js';
import { installValidators } from './validation.js';

export interface AppDeps {
  config: Config;
  store: Store;
  /** Epoch ms; injectable so that tests control time. Default `Date.now`. */
  now?: () => number;
  /** Default: a new logger at `warn`. */
  logger?: Logger;
  /**
   * Checks connections' transforms (default: a new pool, which the app closes on its close; a pool
   * given here is the caller's to close).
   */
  transformPool?: TransformPool;
  /**
   * Where the receive face may fetch provider certificates and SNS confirmations from, and how
   * (default: the providers' own hosts over the global fetch). Tests point it at a loopback server.
   */
  certificates?: ReceiveFacesDeps['certificates'];
  /** The faces to serve, in order. Default: the sending face (the Svix API), the receive faces and the dashboard. */
  faces?: Face[];
  /**
   * The metrics `/metrics` serves (the engine of this process counts into the same). Default: new
   * ones when `config.metrics` is on; `null`: none.
   */
  metrics?: HookdMetrics | null;
}

/** Routes that answer without the store: their success says nothing of a storage incident. */
const STORELESS_ROUTES: ReadonlySet<string> = new Set([
  '/api/v1/health',
  '/api/v1/openapi.json',
  '/healthz',
  '/metrics',
]);

/**
 * Assembles the HTTP server: what every face shares (validators, the `{code, detail}` error and
 * 404 handlers, the OpenAPI document, request ids and request logging), then each face as an
 * encapsulated plugin with its own body parsing, auth and idempotency. Does not listen: the
 * caller does. With no `config.adminToken`, call `ensureAdminToken(store)` before this.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store } = deps;
  const now = deps.now ?? Date.now;
  // Typed as Fastify's logger, so that the instance has the type every face's plugin expects.
  const logger: FastifyBaseLogger = deps.logger ?? createLogger('warn');
  const app = Fastify({
    loggerInstance: logger,
    logController: new RequestLogController(),
    genReqId: requestIdOf,
    bodyLimit: config.maxPayloadBytes,
    // uids are up to 256 characters; the router's default cap is 100.
    routerOptions: { maxParamLength: 1024 },
    ...connectionOptions(config, logger),
  });
  capConnections(app.server, config);
  installValidators(app);
  const incidents = new StorageIncidents(app.log);
  installErrorHandler(app, config.maxPayloadBytes, incidents);
  incidents.install(app, STORELESS_ROUTES);
  installRequestIdHeader(app);
  await installOpenApi(app);
  await installApiRateLimits(app, config, store.rateLimits);
  const metrics =
    deps.metrics !== undefined
      ? deps.metrics
      : config.metrics
        ? new HookdMetrics({ monitor: store.monitor, now })
        : null;
  if (metrics !== null) countIngest(app, metrics);
  await registerOpsRoutes(app, { config, store, metrics });
  const faces = deps.faces ?? [
    outboundFace({ config, store, now }),
    ...receiveFaces({
      config,
      store,
      now,
      transformPool: deps.transformPool ?? (await ownTransformPool(app)),
      certificates: deps.certificates,
    }),
    dashboardFace({ config, store, now }),
  ];
  for (const face of faces) {
    await app.register(face.plugin, { prefix: face.prefix });
    app.log.debug({ face: face.name, prefix: face.prefix ?? '' }, 'face registered');
  }
  return app;
}

/** A transform pool that lives and dies with the app. */
async function ownTransformPool(app: FastifyInstance): Promise<TransformPool> {
  const transformPool = await createTransformPool();
  app.addHook('onClose', () => transformPool.close());
  return transformPool;
}
