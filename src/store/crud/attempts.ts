import { NotFoundError } from '../../core/errors.js';
import type { Attempt, DeliveryStatus } from '../../core/types.js';
import { type AttemptRow, type EndpointRow, type MessageRow, toAttempt, toEndpoint, toMessage } from '../rows.js';
import type {
  AttemptQuery,
  AttemptStore,
  EndpointMessage,
  EndpointMessageQuery,
  MessageDestination,
  Page,
  PageQuery,
} from '../store.js';
import { beforeAfterCondition, messageFilterCondition, statusCodeClassCondition } from './conditions.js';
import { pageTail, planPage, toPage } from './paging.js';
import { join, raw, type Sql, sql, type SqlExecutor } from './sql.js';

/** The state of a delivery joined to a message or endpoint row. */
interface DeliveryState {
  d_status: DeliveryStatus;
  d_next_attempt_at: number | null;
}

// "Latest delivery of this message to this endpoint": a resend adds a second delivery, and the
// lists show the newest one. Checked per row through deliveries_msg (msg_id, endpoint_id).
const IS_LATEST = raw(
  'd.id = (SELECT max(l.id) FROM deliveries l WHERE l.msg_id = d.msg_id AND l.endpoint_id = d.endpoint_id)',
);

/** ` AND column = value` when the value is given, else nothing. */
const equalsIfGiven = (column: string, value: string | null | undefined): Sql =>
  value == null ? raw('') : sql` AND ${raw(column)} = ${value}`;

/** Attempt logs, and the per-endpoint / per-message views of deliveries. */
export class SqlAttempts implements AttemptStore {
  constructor(private readonly db: SqlExecutor) {}

  async list(appId: string, query: AttemptQuery): Promise<Page<Attempt>> {
    const plan = planPage(query, 'descending');
    const filters = [
      equalsIfGiven('msg_id', query.msgId),
      equalsIfGiven('endpoint_id', query.endpointId),
      equalsIfGiven('status', query.status),
      statusCodeClassCondition('response_status_code', query.statusCodeClass),
      beforeAfterCondition('created_at', query),
    ];
    const byMessage = messageFilterCondition(this.db.dialect, 'm', query);
    if (query.channel != null || (query.eventTypes?.length ?? 0) > 0)
      filters.push(sql` AND msg_id IN (SELECT m.id FROM messages m WHERE m.app_id = ${appId}${byMessage})`);
    const rows = await this.db.all<AttemptRow>(
      sql`SELECT * FROM attempts WHERE app_id = ${appId}${join(filters, '')}${pageTail(plan, 'id')}`,
    );
    return toPage(rows.map(toAttempt), plan, (a) => a.id);
  }

  async get(appId: string, msgId: string, attemptId: string): Promise<Attempt | null> {
    const row = await this.db.get<AttemptRow>(
      sql`SELECT * FROM attempts WHERE id = ${attemptId} AND app_id = ${appId} AND msg_id = ${msgId}`,
    );
    return row ? toAttempt(row) : null;
  }

  async expungeContent(appId: string, msgId: string, attemptId: string): Promise<void> {
    const changed = await this.db.run(
      sql`UPDATE attempts SET response = '', request_headers = '{}'
        WHERE id = ${attemptId} AND app_id = ${appId} AND msg_id = ${msgId}`,
    );
    if (changed === 0) throw new NotFoundError('attempt');
  }

  /** Messages that have a delivery to the endpoint, newest first, with that delivery's state. */
  async endpointMessages(
    appId: string,
    endpointId: string,
    query: EndpointMessageQuery,
  ): Promise<Page<EndpointMessage>> {
    const plan = planPage(query, 'descending');
    const filters = [
      equalsIfGiven('d.status', query.status),
      messageFilterCondition(this.db.dialect, 'm', query),
      beforeAfterCondition('m.created_at', query),
    ];
    // Walks deliveries_endpoint (endpoint_id, msg_id) in order, so a page costs about its size.
    const rows = await this.db.all<MessageRow & DeliveryState>(
      sql`SELECT m.*, d.status AS d_status, d.next_attempt_at AS d_next_attempt_at
        FROM deliveries d JOIN messages m ON m.id = d.msg_id
        WHERE d.endpoint_id = ${endpointId} AND m.app_id = ${appId} AND ${IS_LATEST}${join(filters, '')}
        ${pageTail(plan, 'd.msg_id')}`,
    );
    const data = rows.map((r) => ({ message: toMessage(r), status: r.d_status, nextAttemptAt: r.d_next_attempt_at }));
    return toPage(data, plan, (x) => x.message.id);
  }

  /** Endpoints that the message has a delivery to, with the latest delivery's state. */
  async messageDestinations(appId: string, msgId: string, query: PageQuery): Promise<Page<MessageDestination>> {
    const plan = planPage(query, 'ascending');
    const rows = await this.db.all<EndpointRow & DeliveryState>(
      sql`SELECT e.*, d.status AS d_status, d.next_attempt_at AS d_next_attempt_at
        FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
        WHERE d.msg_id = ${msgId} AND e.app_id = ${appId} AND ${IS_LATEST}${pageTail(plan, 'd.endpoint_id')}`,
    );
    const data = rows.map((r) => ({ endpoint: toEndpoint(r), status: r.d_status, nextAttemptAt: r.d_next_attempt_at }));
    return toPage(data, plan, (x) => x.endpoint.id);
  }
}
