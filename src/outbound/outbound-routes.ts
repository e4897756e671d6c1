import { registerOperationalWebhookRoutes } from '../operational/operational-webhook-routes.js';
import { registerApplicationRoutes } from './application-routes.js';
import { registerAttemptRoutes } from './attempt-routes.js';
import { registerAuthRoutes } from './auth-routes.js';
import type { OutboundDeps, TypedApp } from './context.js';
import { registerEndpointActionRoutes } from './endpoint-action-routes.js';
import { registerEndpointHeaderRoutes } from './endpoint-header-routes.js';
import { registerEndpointRoutes } from './endpoint-routes.js';
import { registerEndpointSecretRoutes } from './endpoint-secret-routes.js';
import { registerEventTypeRoutes } from './event-type-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerMessageRoutes } from './message-routes.js';

/** Every route of the Svix-compatible sending API (`/api/v1/...`). */
export function registerOutboundRoutes(app: TypedApp, deps: OutboundDeps): void {
  registerHealthRoutes(app);
  registerApplicationRoutes(app, deps);
  registerEventTypeRoutes(app, deps);
  registerEndpointRoutes(app, deps);
  registerEndpointHeaderRoutes(app, deps);
  registerEndpointSecretRoutes(app, deps);
  registerEndpointActionRoutes(app, deps);
  registerMessageRoutes(app, deps);
  registerAttemptRoutes(app, deps);
  registerAuthRoutes(app, deps);
  registerOperationalWebhookRoutes(app, deps);
}
