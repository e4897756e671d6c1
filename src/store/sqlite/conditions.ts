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

/** `column` strictly before `before` and strictly after `after` (the list filters of the API). */
export function beforeAfterCondition(
  column: string,
  filter: { before?: number; after?: number },
  params: unknown[],
): string {
  let sql = '';
  if (filter.before != null) {
    sql += ` AND ${column} < ?`;
    params.push(filter.before);
  }
  if (filter.after != null) {
    sql += ` AND ${column} > ?`;
    params.push(filter.after);
  }
  return sql;
}

/** A message (alias `alias`) with the channel, and with one of the event types. */
export function messageFilterCondition(
  alias: string,
  filter: { channel?: string; eventTypes?: string[] },
  params: unknown[],
): string {
  let sql = '';
  if (filter.channel != null) {
    sql += ` AND EXISTS (SELECT 1 FROM json_each(${alias}.channels) WHERE value = ?)`;
    params.push(filter.channel);
  }
  if (filter.eventTypes != null && filter.eventTypes.length > 0) {
    // One JSON parameter instead of a variable-length IN list keeps the statement cacheable.
    sql += ` AND ${alias}.event_type IN (SELECT value FROM json_each(?))`;
    params.push(JSON.stringify(filter.eventTypes));
  }
  return sql;
}
