import { NotFoundError } from '../../core/errors.js';
import type { EventDelivery } from '../../core/types.js';
import { type EventDeliveryRow, toEventDelivery } from '../inbound-rows.js';
import type { EventQuery, TimeRange } from '../store.js';
import { eventConditions } from './conditions.js';
import { sql, type SqlExecutor } from './sql.js';

/**
 * Makes the event due now with trigger Manual unless it is being sent. Written once: the caller
 * signals the queue's work (the backends differ there).
 */
export async function retryEventSql(db: SqlExecutor, eventId: string, now: number): Promise<EventDelivery> {
  await db.run(
    sql`UPDATE deliveries SET status = 'pending', next_attempt_at = ${now}, trigger = 1, updated_at = ${now}
      WHERE id = ${eventId} AND kind IN ('event', 'cli') AND status <> 'sending'`,
  );
  const row = await db.get<EventDeliveryRow>(
    sql`SELECT * FROM deliveries WHERE id = ${eventId} AND kind IN ('event', 'cli')`,
  );
  if (!row) throw new NotFoundError('event');
  return toEventDelivery(row);
}

/** Retries the ended events (`fail` and `canceled`, or only `query.status`) that match; returns how many. */
export function retryEventsSql(db: SqlExecutor, query: EventQuery & TimeRange, now: number): Promise<number> {
  const ended =
    query.status === undefined ? sql` AND d.status IN ('fail', 'canceled')` : sql` AND d.status <> 'sending'`;
  return db.run(
    sql`UPDATE deliveries SET status = 'pending', next_attempt_at = ${now}, trigger = 1, updated_at = ${now}
      WHERE id IN (SELECT d.id FROM deliveries d WHERE d.kind IN ('event', 'cli')${ended}${eventConditions(query)})`,
  );
}
