import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { SqlExecutor } from './sql.js';

/** What a violated constraint means to the caller: the detail of a conflict, the missing parent. */
export interface ViolationMeaning {
  /** A UNIQUE key is taken: `ConflictError(unique)`. */
  unique?: string;
  /** The referenced row does not exist: `NotFoundError(foreignKey)`. */
  foreignKey?: string;
}

/** Runs `write`, turning the constraint violations `meaning` names into hookd's errors. */
export async function mapViolations<T>(
  db: SqlExecutor,
  meaning: ViolationMeaning,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (meaning.unique !== undefined && db.dialect.isUniqueViolation(error)) throw new ConflictError(meaning.unique);
    if (meaning.foreignKey !== undefined && db.dialect.isForeignKeyViolation(error))
      throw new NotFoundError(meaning.foreignKey);
    throw error;
  }
}
