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

/** `column` strictly before `before` and strictly after `after` (the list filters of the API). */
export function beforeAfterCondition(
  column: string,
  filter: { before?: number; after?: number },
  params: SqlParams,
): string {
  let sql = '';
  if (filter.before != null) sql += ` AND ${column} < ${params.add(filter.before)}`;
  if (filter.after != null) sql += ` AND ${column} > ${params.add(filter.after)}`;
  return sql;
}

/** A message (alias `alias`) with the channel, and with one of the event types. */
export function messageFilterCondition(
  alias: string,
  filter: { channel?: string; eventTypes?: string[] },
  params: SqlParams,
): string {
  let sql = '';
  // jsonb `?`: the array has this string as an element.
  if (filter.channel != null) sql += ` AND ${alias}.channels ? ${params.add(filter.channel)}`;
  if (filter.eventTypes != null && filter.eventTypes.length > 0) {
    // One array parameter instead of a variable-length IN list keeps the statement text stable.
    sql += ` AND ${alias}.event_type = ANY(${params.add(filter.eventTypes)}::text[])`;
  }
  return sql;
}
