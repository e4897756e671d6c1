import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { levels } from 'pino';

/**
 * Fastify's own request lines, made quiet and lean: `incoming request` at trace, `request
 * completed` and `route not found` at debug (a line per request at info would cost the hot path a
 * write each), with the method and the path only: never the query string, a header or a body.
 * Each goes through the request's logger, so it carries `reqId`.
 */
export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (enabled(request.log, 'trace'))
      request.log.trace({ method: request.method, path: pathOf(request) }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!error && !enabled(reply.log, 'debug')) return; // the hot path at info: not even the line's object
    const line = {
      method: request.method,
      path: pathOf(request),
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime),
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.debug(line, 'request completed');
  }

  override routeNotFound(request: FastifyRequest): void {
    if (enabled(request.log, 'debug'))
      request.log.debug({ method: request.method, path: pathOf(request) }, 'route not found');
  }
}

const pathOf = (request: FastifyRequest): string => request.url.split('?', 1)[0];

/** Whether `logger` writes lines of `level` (`silent` has no number: nothing is written). */
const enabled = (logger: FastifyBaseLogger, level: 'trace' | 'debug'): boolean =>
  (levels.values[logger.level] ?? Infinity) <= levels.values[level];
