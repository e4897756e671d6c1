import type { EventQuery, TimeRange } from '../store.js';
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

/** The HTTP status code `column` in Svix's StatusCodeClass `codeClass` (0: no response; 100..500: that hundred). */
export function statusCodeClassCondition(column: string, codeClass: number | undefined): Sql {
  if (codeClass === undefined) return NOTHING;
  if (codeClass === 0) return sql` AND ${raw(column)} = 0`;
  return sql` AND ${raw(column)} >= ${codeClass} AND ${raw(column)} < ${codeClass + 100}`;
}

/** ` AND column = value` when the value is given, else nothing. */
export function equalsIfGiven(column: string, value: string | undefined): Sql {
  return value === undefined ? NOTHING : sql` AND ${raw(column)} = ${value}`;
}

/**
 * The terms of an event query over `deliveries d` (kind `event` or `cli`); a source is matched through
 * the event's request. Used by the event list and by bulk retry, so both select the same events.
 */
export function eventConditions(query: EventQuery & TimeRange): Sql {
  const source =
    query.sourceId === undefined
      ? NOTHING
      : sql` AND d.request_id IN (SELECT id FROM requests WHERE source_id = ${query.sourceId})`;
  return sql`${equalsIfGiven('d.request_id', query.requestId)}${equalsIfGiven('d.connection_id', query.connectionId)}${equalsIfGiven(
    'd.destination_id',
    query.destinationId,
  )}${equalsIfGiven('d.status', query.status)}${source}${rangeCondition('d.created_at', query)}`;
}
