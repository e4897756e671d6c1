import { raw, sql, type SqlDialect, SqlExecutor } from '../crud/sql.js';
import { isForeignKeyViolation, isUniqueViolation, type PgQueries } from './database.js';

const postgresDialect: SqlDialect = {
  placeholder: (index) => `$${index + 1}`,
  // jsonb `?`: the array has this string as an element (the operator, not a placeholder).
  jsonArrayHas: (column, value) => sql`${raw(column)} ? ${value}`,
  isOneOf: (column, values) => sql`${raw(column)} = ANY(${values}::text[])`,
  isUniqueViolation,
  isForeignKeyViolation,
  lockShared: (alias) => ` FOR SHARE OF ${alias}`,
};

/** The CRUD ports' statements on PostgreSQL: one pool query each, so each is atomic on its own. */
export function postgresExecutor(db: PgQueries): SqlExecutor {
  return new SqlExecutor(postgresDialect, async (text, values) => {
    const result = await db.query(text, [...values]);
    return { rows: result.rows, changed: result.rowCount ?? 0 };
  });
}
