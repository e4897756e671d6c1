import type { Sql, SqlDialect, SqlExecutor } from '../crud/sql.js';
import { raw, sql } from '../crud/sql.js';
import { isForeignKeyViolation, isUniqueViolation, type PgQueries } from './database.js';

const placeholder = (index: number) => `$${index + 1}`;

const postgresDialect: SqlDialect = {
  // jsonb `?`: the array has this string as an element (the operator, not a placeholder).
  jsonArrayHas: (column, value) => sql`${raw(column)} ? ${value}`,
  isOneOf: (column, values) => sql`${raw(column)} = ANY(${values}::text[])`,
};

/** The CRUD code's statements on PostgreSQL: one pool query each, so each is atomic on its own. */
export class PostgresExecutor implements SqlExecutor {
  readonly dialect = postgresDialect;
  readonly isUniqueViolation = isUniqueViolation;
  readonly isForeignKeyViolation = isForeignKeyViolation;

  constructor(private readonly db: PgQueries) {}

  all<R>(query: Sql): Promise<R[]> {
    return this.db.all<R>(query.text(placeholder), query.values as unknown[]);
  }

  get<R>(query: Sql): Promise<R | undefined> {
    return this.db.get<R>(query.text(placeholder), query.values as unknown[]);
  }

  run(query: Sql): Promise<number> {
    return this.db.run(query.text(placeholder), query.values as unknown[]);
  }
}
