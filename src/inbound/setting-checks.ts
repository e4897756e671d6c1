import { HookdError, ValidationError } from '../core/errors.js';
import { compileFilter } from '../core/filter/index.js';
import { parseVerification } from '../core/verify/verification.js';
import type { Verification } from '../core/verify/types.js';
import type { TransformPool } from './transform-pool.js';

/**
 * The three settings of the receive side that core/ checks, as the routes use them at creation:
 * each problem becomes a 422 whose `loc` starts with the body field (`verification.secrets`,
 * `filter`, `transform`). Whatever the checker throws is about the input it was given, so any
 * error it raises is the caller's 422, never a 500.
 */

/** A source's verification setting, normalized (defaults filled in) by its type's spec. */
export function checkVerification(input: unknown): Verification {
  return asFieldError('verification', () => parseVerification(input));
}

/** A connection's filter, compiled once to prove it is well formed. */
export function checkFilter(filter: Record<string, unknown>): Record<string, unknown> {
  asFieldError('filter', () => compileFilter(filter));
  return filter;
}

/**
 * A connection's transform, compiled in the sandbox (on a worker thread of the pool) to prove it
 * is a valid function.
 */
export async function checkTransform(transformPool: TransformPool, source: string): Promise<string> {
  try {
    await transformPool.check(source);
  } catch (error) {
    // Anything else (the pool closed under a shutdown) is not about the input: no 422.
    throw error instanceof ValidationError ? toFieldError('transform', error) : error;
  }
  return source;
}

function asFieldError<T>(field: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw toFieldError(field, error);
  }
}

/** The checker's error as a 422 on `field` (its own sub-field kept: `verification.secrets`). */
function toFieldError(field: string, error: unknown): ValidationError {
  if (error instanceof ValidationError) {
    const inner = error.field;
    const located = !inner ? field : inner === field || inner.startsWith(`${field}.`) ? inner : `${field}.${inner}`;
    return new ValidationError(error.message, located);
  }
  if (error instanceof HookdError || error instanceof Error) return new ValidationError(error.message, field);
  return new ValidationError(`${field} is invalid`, field);
}
