import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { registerOutboundRoutes } from '../outbound/outbound-routes.js';
import type { Store } from '../store/store.js';
import { installAuth } from './auth.js';
import { installErrorHandler } from './error-handler.js';
import { installIdempotency } from './idempotency.js';
import { installJsonBodyParser } from './json-body.js';
import { installOpenApi } from './openapi.js';
import { installValidators } from './validation.js';

export interface AppDeps {
  config: Config;
  store: Store;
  /** Epoch ms; injectable so that tests control time. Default `Date.now`. */
  now?: () => number;
}

/**
 * Assembles the HTTP API: body parsing, validation, errors, auth, idempotency, the OpenAPI
 * document and the routes. Does not listen: the caller does. With no `config.adminToken`, call
 * `ensureAdminToken(store)` before this, as the admin token's hash is read here, once.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store } = deps;
  const now = deps.now ?? Date.now;
  const app = Fastify({
    // Requests are never logged, and neither are tokens.
    logger: { level: 'warn' },
    bodyLimit: config.maxPayloadBytes,
    // uids are up to 256 characters; the router's default cap is 100.
    routerOptions: { maxParamLength: 1024 },
  });
  installJsonBodyParser(app);
  installValidators(app);
  installErrorHandler(app, config.maxPayloadBytes);
  await installOpenApi(app);
  await installAuth(app, { config, store, now });
  installIdempotency(app, { store, now });
  registerOutboundRoutes(app.withTypeProvider<TypeBoxTypeProvider>(), { config, store, now });
  return app;
}
