/**
 * The few named errors of hookd. Domain and store code throw them; only the HTTP edge
 * (server/error-handler.ts) turns them into Svix-shaped bodies `{ code, detail }`.
 * Delivery failures are never exceptions: they are attempt rows.
 */
export class HookdError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class NotFoundError extends HookdError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends HookdError {
  constructor(detail: string) {
    super(409, 'conflict', detail);
  }
}

/** Input that passed the schema but breaks a rule (a bad URL, a reserved header...). */
export class ValidationError extends HookdError {
  constructor(detail: string, readonly field?: string) {
    super(422, 'validation', detail);
  }
}

export class UnauthorizedError extends HookdError {
  constructor(detail = 'missing or invalid bearer token') {
    super(401, 'authentication_failed', detail);
  }
}

export class ForbiddenError extends HookdError {
  constructor(detail = 'this token may not access that resource') {
    super(403, 'insufficient_access', detail);
  }
}

export class SignatureError extends HookdError {
  constructor(detail: string) {
    super(400, 'invalid_signature', detail);
  }
}
