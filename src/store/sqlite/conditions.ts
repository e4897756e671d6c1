import type { TimeRange } from '../store.js';

/**
 * Builders of optional WHERE terms. Each returns `''` or ` AND ...` and pushes its parameters,
 * so a query reads `WHERE <fixed terms>${term1}${term2}` and binds `...params`.
 */

/** `column` in [since, until); either end may be open. */
export function rangeCondition(column: string, range: TimeRange, params: unknown[]): string {
  let sql = '';
  if (range.since != null) {
    sql += ` AND ${column} >= ?`;
    params.push(range.since);
  }
  if (range.until != null) {
    sql += ` AND ${column} < ?`;
    params.push(range.until);
  }
  return sql;
}
