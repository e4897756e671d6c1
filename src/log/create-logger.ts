import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';

/** Where log lines go: 1 (stdout, the server's default) or 2 (stderr, for commands whose stdout is their answer). */
type LogDestination = 1 | 2;

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
 * hookd's one logger: pino, structured JSON lines (Fastify's own logger, so request lines carry
 * `reqId`), with credentials redacted. The server, the delivery engine, the work signal and the
 * stores all log through the one `hookd serve` creates, or a child of it; a part built without
 * one (a test, a library use) gets this same configuration at `info`.
 */
export function createLogger(level: LogLevel = 'info', destination: LogDestination = 1): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, pino.destination(destination));
}
