import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';

/**
 * Where credentials could appear in a log object: request headers (Fastify's serializers leave
 * them out, but a `req` logged by hand would carry them), and the raw bytes of a request that
 * Node could not parse, which Fastify logs at trace level as `err.rawPacket` and which hold the
 * `Authorization` header. Bodies are never logged.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
  'err.rawPacket',
];

/**
 * hookd's one logger: pino, structured JSON lines on stdout (Fastify's own logger, so request
 * lines carry `reqId`). The server, the delivery engine, the work signal and the PostgreSQL
 * store all log through it or a child of it.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
