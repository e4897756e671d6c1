import type { Sql, SqlDialect, SqlExecutor } from '../crud/sql.js';
import { raw, sql } from '../crud/sql.js';
import { isForeignKeyViolation, isUniqueViolation, type SqliteDb } from './database.js';

const placeholder = () => '?';

/** better-sqlite3 binds no booleans: 0/1, as the schema's INTEGER flags hold them. */
function bindable(values: readonly unknown[]): unknown[] {
  return values.map((value) => (typeof value === 'boolean' ? Number(value) : value));
}

const sqliteDialect: SqlDialect = {
  jsonArrayHas: (column, value) => sql`EXISTS (SELECT 1 FROM json_each(${raw(column)}) WHERE value = ${value})`,
  isOneOf: (column, values) => sql`${raw(column)} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
};

/**
 * The CRUD code's statements on SQLite. Each runs synchronously when called, as the hand-written
 * code's do (the promise is settled already): no other statement of this process can come between
 * a call and its statement, and none ever runs inside another's transaction. Statements are
 * prepared once per text (`SqliteDb.stmt`).
 */
export class SqliteExecutor implements SqlExecutor {
  readonly dialect = sqliteDialect;
  readonly isUniqueViolation = isUniqueViolation;
  readonly isForeignKeyViolation = isForeignKeyViolation;

  constructor(private readonly db: SqliteDb) {}

  all<R>(query: Sql): Promise<R[]> {
    return settle(() => this.db.all<R>(query.text(placeholder), ...bindable(query.values)));
  }

  get<R>(query: Sql): Promise<R | undefined> {
    return settle(() => this.db.get<R>(query.text(placeholder), ...bindable(query.values)));
  }

  run(query: Sql): Promise<number> {
    return settle(() => this.db.run(query.text(placeholder), ...bindable(query.values)).changes);
  }
}

/** Runs `fn` now; its result or error as a promise. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}
