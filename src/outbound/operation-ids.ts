import type { FastifyInstance } from 'fastify';

/**
 * The `operationId` of each route of the sending face: Svix's own (from its OpenAPI document; the
 * `patch` ones as its hosted API names them), so that a client generated from hookd's document
 * names its methods as one generated from Svix's. Keyed by `METHOD route` as registered.
 */
const SVIX_OPERATION_IDS: Readonly<Record<string, string>> = {
  'GET /api/v1/app': 'v1.application.list',
  'POST /api/v1/app': 'v1.application.create',
  'GET /api/v1/app/:app_id': 'v1.application.get',
  'PUT /api/v1/app/:app_id': 'v1.application.update',
  'PATCH /api/v1/app/:app_id': 'v1.application.patch',
  'DELETE /api/v1/app/:app_id': 'v1.application.delete',
  'GET /api/v1/event-type': 'v1.event-type.list',
  'POST /api/v1/event-type': 'v1.event-type.create',
  'GET /api/v1/event-type/:event_type_name': 'v1.event-type.get',
  'PUT /api/v1/event-type/:event_type_name': 'v1.event-type.update',
  'PATCH /api/v1/event-type/:event_type_name': 'v1.event-type.patch',
  'DELETE /api/v1/event-type/:event_type_name': 'v1.event-type.delete',
  'GET /api/v1/app/:app_id/endpoint': 'v1.endpoint.list',
  'POST /api/v1/app/:app_id/endpoint': 'v1.endpoint.create',
  'GET /api/v1/app/:app_id/endpoint/:endpoint_id': 'v1.endpoint.get',
  'PUT /api/v1/app/:app_id/endpoint/:endpoint_id': 'v1.endpoint.update',
  'PATCH /api/v1/app/:app_id/endpoint/:endpoint_id': 'v1.endpoint.patch',
  'DELETE /api/v1/app/:app_id/endpoint/:endpoint_id': 'v1.endpoint.delete',
  'GET /api/v1/app/:app_id/endpoint/:endpoint_id/headers': 'v1.endpoint.get-headers',
  'PUT /api/v1/app/:app_id/endpoint/:endpoint_id/headers': 'v1.endpoint.update-headers',
  'PATCH /api/v1/app/:app_id/endpoint/:endpoint_id/headers': 'v1.endpoint.patch-headers',
  'GET /api/v1/app/:app_id/endpoint/:endpoint_id/secret': 'v1.endpoint.get-secret',
  'POST /api/v1/app/:app_id/endpoint/:endpoint_id/secret/rotate': 'v1.endpoint.rotate-secret',
  'POST /api/v1/app/:app_id/endpoint/:endpoint_id/recover': 'v1.endpoint.recover',
  'POST /api/v1/app/:app_id/endpoint/:endpoint_id/replay-missing': 'v1.endpoint.replay-missing',
  'POST /api/v1/app/:app_id/endpoint/:endpoint_id/send-example': 'v1.endpoint.send-example',
  'GET /api/v1/app/:app_id/endpoint/:endpoint_id/stats': 'v1.endpoint.get-stats',
  'GET /api/v1/app/:app_id/msg': 'v1.message.list',
  'POST /api/v1/app/:app_id/msg': 'v1.message.create',
  'GET /api/v1/app/:app_id/msg/:msg_id': 'v1.message.get',
  'DELETE /api/v1/app/:app_id/msg/:msg_id/content': 'v1.message.expunge-content',
  'GET /api/v1/app/:app_id/attempt/endpoint/:endpoint_id': 'v1.message-attempt.list-by-endpoint',
  'GET /api/v1/app/:app_id/attempt/msg/:msg_id': 'v1.message-attempt.list-by-msg',
  'GET /api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id': 'v1.message-attempt.get',
  'DELETE /api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id/content': 'v1.message-attempt.expunge-content',
  'GET /api/v1/app/:app_id/endpoint/:endpoint_id/msg': 'v1.message-attempt.list-attempted-messages',
  'GET /api/v1/app/:app_id/msg/:msg_id/endpoint': 'v1.message-attempt.list-attempted-destinations',
  'POST /api/v1/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend': 'v1.message-attempt.resend',
  'POST /api/v1/auth/app-portal-access/:app_id': 'v1.authentication.app-portal-access',
  'POST /api/v1/auth/logout': 'v1.authentication.logout',
  'GET /api/v1/health': 'v1.health.get',
  'GET /api/v1/health/ping': 'v1.health.ping',
};

/** Gives each route of `app` registered from now on its Svix `operationId`, unless its schema names one. */
export function nameOperationsAsSvix(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const id = SVIX_OPERATION_IDS[`${methods[0]} ${route.url}`];
    if (id !== undefined && route.schema !== undefined) route.schema = { operationId: id, ...route.schema };
  });
}
