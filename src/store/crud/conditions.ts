import type { TimeRange } from '../store.js';
import { raw, type Sql, sql, type SqlDialect } from './sql.js';

/*
 * Builders of optional WHERE terms. Each returns an empty fragment or ` AND ...`, so a query reads
 * `WHERE <fixed terms>${term1}${term2}`. Column names come from our own code, never from input.
 */

const NOTHING = raw('');

/** `column` in [since, until); either end may be open. */
export function rangeCondition(column: string, range: TimeRange): Sql {
  const since = range.since == null ? NOTHING : sql` AND ${raw(column)} >= ${range.since}`;
  const until = range.until == null ? NOTHING : sql` AND ${raw(column)} < ${range.until}`;
  return sql`${since}${until}`;
}

/** `column` strictly before `before` and strictly after `after` (the list filters of the API). */
export function beforeAfterCondition(column: string, filter: { before?: number; after?: number }): Sql {
  const before = filter.before == null ? NOTHING : sql` AND ${raw(column)} < ${filter.before}`;
  const after = filter.after == null ? NOTHING : sql` AND ${raw(column)} > ${filter.after}`;
  return sql`${before}${after}`;
}

/** A message (alias `alias`) with the channel, and with one of the event types. */
export function messageFilterCondition(
  dialect: SqlDialect,
  alias: string,
  filter: { channel?: string; eventTypes?: string[] },
): Sql {
  const channel =
    filter.channel == null ? NOTHING : sql` AND ${dialect.jsonArrayHas(`${alias}.channels`, filter.channel)}`;
  const eventTypes =
    filter.eventTypes == null || filter.eventTypes.length === 0
      ? NOTHING
      : sql` AND ${dialect.isOneOf(`${alias}.event_type`, filter.eventTypes)}`;
  return sql`${channel}${eventTypes}`;
}
