import { ValidationError } from '../core/errors.js';

/** A uid shaped like an id (`src_…`) would make `{id or uid}` in a path ambiguous: refused. */
export function checkUid(uid: string | null, idPrefix: string): string | null {
  if (uid?.startsWith(idPrefix))
    throw new ValidationError(`uid must not start with "${idPrefix}", the prefix of ids`, 'uid');
  return uid;
}

/** Runs a check written for a top-level field (`headers.X`) on a nested one (`response.headers.X`). */
export function prefixField<T>(prefix: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(error.message, error.field ? `${prefix}.${error.field}` : prefix);
    throw error;
  }
}
