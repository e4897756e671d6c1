import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** What an incoming `x-request-id` may look like to be kept: short, and nothing a log line could be forged with. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id of a request (Fastify's `genReqId`; logged as `reqId`, echoed in `x-request-id`): the
 * caller's `x-request-id` when it is a short safe token, so one id follows a request through a
 * proxy and hookd; otherwise a new UUID.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Echoes every request's id (see `requestIdOf`) in the `x-request-id` response header. */
export function installRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}
