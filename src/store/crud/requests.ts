import type { EventAttempt, EventDelivery, InboundRequest } from '../../core/types.js';
import {
  type EventAttemptRow,
  type EventDeliveryRow,
  type RequestRow,
  toEventAttempt,
  toEventDelivery,
  toInboundRequest,
} from '../inbound-rows.js';
import type { EventQuery, Page, PageQuery, RequestStore, TimeRange } from '../store.js';
import { equalsIfGiven, eventConditions, rangeCondition } from './conditions.js';
import { pageTail, planPage, toPage } from './paging.js';
import { join, sql, type SqlExecutor } from './sql.js';

/**
 * Received requests, their events (deliveries of kind `event`) and the events' attempts: the
 * reads. The writes are the backends' own (`InboundStore`).
 */
export class SqlRequests implements RequestStore {
  constructor(private readonly db: SqlExecutor) {}

  async getRequest(id: string): Promise<InboundRequest | null> {
    const row = await this.db.get<RequestRow>(sql`SELECT * FROM requests WHERE id = ${id}`);
    return row ? toInboundRequest(row) : null;
  }

  /** Through requests_source_status (source_id, status, id) when a source is given. */
  async listRequests(
    query: { sourceId?: string; status?: InboundRequest['status'] } & TimeRange,
    page: PageQuery,
  ): Promise<Page<InboundRequest>> {
    const plan = planPage(page, 'descending');
    const filters = [
      equalsIfGiven('source_id', query.sourceId),
      equalsIfGiven('status', query.status),
      rangeCondition('received_at', query),
    ];
    const rows = await this.db.all<RequestRow>(
      sql`SELECT * FROM requests WHERE true${join(filters, '')}${pageTail(plan, 'id')}`,
    );
    return toPage(rows.map(toInboundRequest), plan, (r) => r.id);
  }

  async getEvent(id: string): Promise<EventDelivery | null> {
    const row = await this.db.get<EventDeliveryRow>(
      sql`SELECT * FROM deliveries WHERE id = ${id} AND kind IN ('event', 'cli')`,
    );
    return row ? toEventDelivery(row) : null;
  }

  /** Events in [since, until) of their creation (the conditions bulk retry uses too). */
  async listEvents(query: EventQuery & TimeRange, page: PageQuery): Promise<Page<EventDelivery>> {
    const plan = planPage(page, 'descending');
    const rows = await this.db.all<EventDeliveryRow>(
      sql`SELECT d.* FROM deliveries d WHERE d.kind IN ('event', 'cli')${eventConditions(query)}${pageTail(plan, 'd.id')}`,
    );
    return toPage(rows.map(toEventDelivery), plan, (e) => e.id);
  }

  /** Through attempts_delivery (delivery_id). */
  async listEventAttempts(eventId: string, page: PageQuery): Promise<Page<EventAttempt>> {
    const plan = planPage(page, 'descending');
    const rows = await this.db.all<EventAttemptRow>(
      sql`SELECT * FROM attempts WHERE delivery_id = ${eventId} AND kind = 'event'${pageTail(plan, 'id')}`,
    );
    return toPage(rows.map(toEventAttempt), plan, (a) => a.id);
  }

  /** By the request's events (deliveries_request), then their attempts (attempts_delivery). */
  async listRequestAttempts(requestId: string): Promise<EventAttempt[]> {
    const rows = await this.db.all<EventAttemptRow>(
      sql`SELECT a.* FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
        WHERE d.request_id = ${requestId} ORDER BY a.created_at, a.id`,
    );
    return rows.map(toEventAttempt);
  }
}
