import type { TimeRange } from '../store.js';
import type { SqlParams } from './sql-params.js';

/**
 * Builders of optional WHERE terms. Each returns `''` or ` AND ...` and adds its parameters, so
 * a query reads `WHERE <fixed terms>${term1}${term2}` and binds `params.values`.
 */

/** `column` in [since, until); either end may be open. */
export function rangeCondition(column: string, range: TimeRange, params: SqlParams): string {
  let sql = '';
  if (range.since != null) sql += ` AND ${column} >= ${params.add(range.since)}`;
  if (range.until != null) sql += ` AND ${column} < ${params.add(range.until)}`;
  return sql;
}
