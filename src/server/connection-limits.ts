import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Server } from 'node:http';
import type { FastifyBaseLogger, FastifyHttpOptions } from 'fastify';
import type { Config } from '../config/config.js';

/** What Node's HTTP parser reports before a request reaches Fastify, as `{status, code, detail}`. */
interface ClientErrorAnswer {
  status: number;
  code: string;
  detail: string;
}

type ConnectionSettings = Pick<
  Config,
  'httpRequestTimeoutMs' | 'httpHeadersTimeoutMs' | 'httpKeepAliveTimeoutMs' | 'maxConnections'
>;

/**
 * The HTTP server's own limits, as Fastify options: the whole request (body included) within
 * `httpRequestTimeoutMs`, its headers within `httpHeadersTimeoutMs` (which also bounds a
 * connection that never sends anything), an idle keep-alive connection closed after
 * `httpKeepAliveTimeoutMs`. Node enforces the first two from a timer that checks every
 * connection each `connectionsCheckingInterval`: a quarter of the shortest timeout (at most 1 s),
 * so a slow client is cut at most that late. Answers from Node's parser (408, 413, 431, 400) get
 * the `{code, detail}` body of every other error.
 */
export function connectionOptions(config: ConnectionSettings, log: FastifyBaseLogger): FastifyHttpOptions<Server> {
  const checkEveryMs = Math.max(
    25,
    Math.min(1000, Math.floor(Math.min(config.httpHeadersTimeoutMs, config.httpRequestTimeoutMs) / 4)),
  );
  return {
    requestTimeout: config.httpRequestTimeoutMs,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    // No socket inactivity timer besides these: a response that streams (the live request feed)
    // may stay quiet for long, and it is not the client's request that is slow.
    connectionTimeout: 0,
    http: { headersTimeout: config.httpHeadersTimeoutMs, connectionsCheckingInterval: checkEveryMs },
    clientErrorHandler: (error, socket) => answerClientError(error, socket, log),
  };
}

/** Node's per-server cap: connections over it are closed as they are accepted. */
export function capConnections(server: { maxConnections: number }, config: ConnectionSettings): void {
  server.maxConnections = config.maxConnections;
}

/**
 * Node's `clientError`: the parser refused the bytes or the request timed out, before any route.
 * Writes one `{code, detail}` JSON answer if the socket still takes it, then closes it.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket, log: FastifyBaseLogger): void {
  // A reset connection, or one already answered (the parser also reports the end of a socket it
  // timed out): nothing to say to it.
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer = clientErrorAnswer(error.code);
  log.debug({ code: error.code, status: answer.status }, 'client error');
  const body = JSON.stringify({ code: answer.code, detail: answer.detail });
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
  // end() flushes, then closes; a client that does not read must not hold the socket.
  socket.setTimeout(1000, () => socket.destroy());
}

/** The status and code for each of Node's parser errors (`HPE_*`, `ERR_HTTP_*`). */
export function clientErrorAnswer(nodeCode: string | undefined): ClientErrorAnswer {
  switch (nodeCode) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', detail: 'the request was not received in time' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'headers_too_large', detail: 'the request headers are too large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'payload_too_large', detail: 'the chunk extensions are too large' };
    default:
      return { status: 400, code: 'bad_request', detail: `the request could not be parsed (${nodeCode ?? 'unknown'})` };
  }
}
