import { raw, sql, type SqlDialect, SqlExecutor } from '../crud/sql.js';
import { isForeignKeyViolation, isUniqueViolation, type SqliteDb } from './database.js';

const sqliteDialect: SqlDialect = {
  placeholder: () => '?',
  jsonArrayHas: (column, value) => sql`EXISTS (SELECT 1 FROM json_each(${raw(column)}) WHERE value = ${value})`,
  isOneOf: (column, values) => sql`${raw(column)} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
  isUniqueViolation,
  isForeignKeyViolation,
  lockShared: () => '',
};

/**
 * The CRUD ports' statements on SQLite. Each runs synchronously when called, as the hand-written
 * code's do (the promise it returns is settled already): no other statement of this process comes
 * between a call and its statement, and none ever runs inside another's transaction. Statements
 * are prepared once per text (`SqliteDb.stmt`).
 */
export function sqliteExecutor(db: SqliteDb): SqlExecutor {
  return new SqlExecutor(sqliteDialect, (text, values) => {
    try {
      const statement = db.stmt(text);
      // better-sqlite3 binds no booleans: 0/1, as the schema's INTEGER flags hold them.
      const bound = values.map((value) => (typeof value === 'boolean' ? Number(value) : value));
      if (!statement.reader) return Promise.resolve({ rows: [], changed: statement.run(...bound).changes });
      const rows = statement.all(...bound);
      return Promise.resolve({ rows, changed: rows.length });
    } catch (error) {
      return Promise.reject(error);
    }
  });
}
