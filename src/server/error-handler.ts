import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, HookdError, RateLimitedError, ValidationError } from '../core/errors.js';
import { isStorageUnavailable } from '../store/storage-errors.js';
import { accessOf, StorageIncidents } from './storage-incidents.js';
import { toValidationItems, type ValidationErrorItem } from './validation.js';

/** Svix's 422 body (HTTPValidationError), plus our `code` so every error body carries one. */
interface ValidationErrorBody {
  code: 'validation';
  detail: ValidationErrorItem[];
}

/** What a 503 for unavailable storage asks the caller to wait. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/** The HTTP status of each core error code: core errors know nothing of HTTP. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  not_found: 404,
  conflict: 409,
  validation: 422,
  authentication_failed: 401,
  insufficient_access: 403,
  invalid_signature: 400,
  invalid_json: 400,
  rate_limited: 429,
};

/**
 * The one place where errors become HTTP responses, for every face. Bad input always ends as a 4xx with a JSON
 * body that says what is wrong; only a bug reaches the 500 branch, and that is logged.
 */
export function installErrorHandler(
  app: FastifyInstance,
  maxPayloadBytes: number,
  incidents: StorageIncidents = new StorageIncidents(app.log),
): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isStorageUnavailable(error)) {
      // Not the caller's fault, and not one stack per request: one line per incident.
      incidents.failed(error, accessOf(request.method));
      return reply
        .code(503)
        .header('retry-after', String(STORAGE_RETRY_AFTER_SECONDS))
        .send({ code: 'storage_unavailable', detail: 'the database is unavailable; retry later' });
    }
    if (error.validation) {
      return reply.code(422).send(validationBody(toValidationItems(error.validation, error.validationContext)));
    }
    if (error instanceof ValidationError) {
      return reply
        .code(422)
        .send(validationBody([{ loc: locationOf(error.field), msg: error.message, type: 'value_error' }]));
    }
    if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
    if (error instanceof HookdError) {
      return reply.code(STATUS_BY_CODE[error.code]).send({ code: error.code, detail: error.message });
    }
    const mapped = mapFrameworkError(error, maxPayloadBytes);
    if (mapped) return reply.code(mapped.status).send({ code: mapped.code, detail: mapped.detail });
    // Not the error object itself: a driver's error can carry row values (PostgreSQL's `detail`:
    // "Failing row contains (...)"), and rows hold secrets.
    const err = { type: error.name, message: error.message, code: error.code, stack: error.stack };
    request.log.error({ err, method: request.method, route: request.routeOptions.url }, 'unexpected error');
    return reply.code(500).send({ code: 'internal', detail: 'internal error' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ code: 'not_found', detail: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
}

function validationBody(detail: ValidationErrorItem[]): ValidationErrorBody {
  return { code: 'validation', detail };
}

/** `ValidationError.field` is a dotted path; a bare field name is a body field. */
function locationOf(field: string | undefined): string[] {
  if (!field) return ['body'];
  const parts = field.split('.');
  return ['body', 'query', 'path', 'header'].includes(parts[0]) ? parts : ['body', ...parts];
}

interface MappedError {
  status: number;
  code: string;
  detail: string;
}

/** Errors that Fastify raises itself while reading a request. */
function mapFrameworkError(error: FastifyError, maxPayloadBytes: number): MappedError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'invalid_json', detail: 'request body is not valid JSON' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'payload_too_large', detail: `payload exceeds ${maxPayloadBytes} bytes` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type', detail: 'request body must be application/json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'bad_request', detail: 'Content-Length does not match the body' };
  }
  // secure-json-parse refuses __proto__ / constructor keys with a SyntaxError-like 400.
  if (error instanceof SyntaxError)
    return { status: 400, code: 'invalid_json', detail: 'request body is not valid JSON' };
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, code: 'bad_request', detail: error.message };
  return null;
}
