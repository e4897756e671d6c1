import type { DeadLetter, DeadLetterQuery, Page, PageQuery } from '../store.js';
import { pageTail, planPage, toPage } from './paging.js';
import { join, type Sql, sql, type SqlExecutor } from './sql.js';

/**
 * Dead letters of the sending side: deliveries of kind `message` whose retries are exhausted
 * (`fail`), across every application and endpoint. Written once for both backends; the caller of
 * `retryDeadLettersSql` signals the queue's work (the backends differ there).
 */
interface DeadLetterRow {
  id: string;
  app_id: string;
  endpoint_id: string;
  url: string;
  msg_id: string;
  event_type: string;
  attempt_count: number;
  created_at: number;
  updated_at: number;
}

function deadLetterConditions(db: SqlExecutor, query: DeadLetterQuery): Sql {
  const terms: Sql[] = [];
  if (query.appId !== undefined) terms.push(sql` AND d.app_id = ${query.appId}`);
  if (query.endpointId !== undefined) terms.push(sql` AND d.endpoint_id = ${query.endpointId}`);
  if (query.eventType !== undefined)
    terms.push(sql` AND EXISTS (SELECT 1 FROM messages m WHERE m.id = d.msg_id AND m.event_type = ${query.eventType})`);
  if (query.ids !== undefined) terms.push(sql` AND ${db.dialect.isOneOf('d.id', query.ids)}`);
  return join(terms, '');
}

/** The exhausted message deliveries that match, newest first, with their endpoint's URL and event type. */
export async function listDeadLettersSql(
  db: SqlExecutor,
  query: DeadLetterQuery & PageQuery,
): Promise<Page<DeadLetter>> {
  const plan = planPage(query, 'descending');
  const rows = await db.all<DeadLetterRow>(
    sql`SELECT d.id, d.app_id, d.endpoint_id, e.url, d.msg_id, m.event_type, d.attempt_count, d.created_at, d.updated_at
      FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id JOIN messages m ON m.id = d.msg_id
      WHERE d.kind = 'message' AND d.status = 'fail'${deadLetterConditions(db, query)}${pageTail(plan, 'd.id')}`,
  );
  return toPage(
    rows.map((r) => ({
      deliveryId: r.id,
      appId: r.app_id,
      endpointId: r.endpoint_id,
      url: r.url,
      msgId: r.msg_id,
      eventType: r.event_type,
      attemptCount: Number(r.attempt_count),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    })),
    plan,
    (d) => d.deliveryId,
  );
}

/**
 * Makes the matching dead letters due now, with a full retry schedule (as `recover` does) and
 * trigger Manual; those of a disabled endpoint stay as they are (never sent to). Returns how many.
 */
export function retryDeadLettersSql(db: SqlExecutor, query: DeadLetterQuery, now: number): Promise<number> {
  return db.run(
    sql`UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ${now}, trigger = 1,
        updated_at = ${now}
      WHERE id IN (SELECT d.id FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
        WHERE d.kind = 'message' AND d.status = 'fail' AND e.disabled = ${false}${deadLetterConditions(db, query)})`,
  );
}
