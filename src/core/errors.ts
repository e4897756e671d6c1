/**
 * The few named errors of hookd. Domain and store code throw them with a `code` and a detail;
 * they know nothing of HTTP. Only the HTTP edge (server/error-handler.ts) maps a code to a status
 * and a Svix-shaped body `{ code, detail }`. Delivery failures are never exceptions: they are
 * attempt rows.
 */
export type ErrorCode =
  | 'not_found'
  | 'conflict'
  | 'validation'
  | 'authentication_failed'
  | 'insufficient_access'
  | 'invalid_signature'
  | 'invalid_json'
  | 'rate_limited';

export class HookdError extends Error {
  constructor(
    readonly code: ErrorCode,
    detail: string,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class NotFoundError extends HookdError {
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}

export class ConflictError extends HookdError {
  constructor(detail: string) {
    super('conflict', detail);
  }
}

/** Input that passed the schema but breaks a rule (a bad URL, a reserved header...). */
export class ValidationError extends HookdError {
  constructor(
    detail: string,
    readonly field?: string,
  ) {
    super('validation', detail);
  }
}

/** No credential, or one that matches no live token. */
export class UnauthorizedError extends HookdError {
  constructor(detail = 'missing or invalid bearer token') {
    super('authentication_failed', detail);
  }
}

/** A valid credential that may not reach this resource. */
export class ForbiddenError extends HookdError {
  constructor(detail = 'this token may not access that resource') {
    super('insufficient_access', detail);
  }
}

export class SignatureError extends HookdError {
  constructor(detail: string) {
    super('invalid_signature', detail);
  }
}

/** A request body that is not acceptable JSON (e.g. nested too deep). */
export class InvalidJsonError extends HookdError {
  constructor(detail: string) {
    super('invalid_json', detail);
  }
}

/** Over a rate limit: the caller may try again after `retryAfterSeconds`. */
export class RateLimitedError extends HookdError {
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', detail);
  }
}
