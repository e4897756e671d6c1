import { NotFoundError } from '../../core/errors.js';
import type { Attempt, DeliveryStatus } from '../../core/types.js';
import type { AttemptQuery, EndpointMessage, EndpointMessageQuery, MessageDestination, Page, PageQuery } from '../store.js';
import { beforeAfterCondition, messageFilterCondition } from './conditions.js';
import type { SqliteDb } from './database.js';
import { cursorCondition, planPage, toPage } from './paging.js';
import { type AttemptRow, type EndpointRow, type MessageRow, toAttempt, toEndpoint, toMessage } from '../rows.js';

/** The state of a delivery joined to a message or endpoint row. */
interface DeliveryState {
  d_status: DeliveryStatus;
  d_next_attempt_at: number | null;
}

// "Latest delivery of this message to this endpoint": a resend adds a second delivery, and the
// lists show the newest one. Checked per row through deliveries_msg (msg_id, endpoint_id).
const IS_LATEST = `d.id = (SELECT MAX(l.id) FROM deliveries l WHERE l.msg_id = d.msg_id AND l.endpoint_id = d.endpoint_id)`;

/** Attempt logs, and the per-endpoint / per-message views of deliveries. */
export class SqliteAttempts {
  constructor(private readonly db: SqliteDb) {}

  async list(appId: string, query: AttemptQuery): Promise<Page<Attempt>> {
    const plan = planPage(query, 'descending');
    const params: unknown[] = [appId];
    let where = 'app_id = ?';
    for (const [column, value] of [
      ['msg_id', query.msgId],
      ['endpoint_id', query.endpointId],
      ['status', query.status],
    ] as const) {
      if (value == null) continue;
      where += ` AND ${column} = ?`;
      params.push(value);
    }
    where += beforeAfterCondition('created_at', query, params);
    const sql = `SELECT * FROM attempts WHERE ${where}${cursorCondition(plan, 'id', params)} ORDER BY id ${plan.sql} LIMIT ?`;
    const rows = this.db.all<AttemptRow>(sql, ...params, plan.fetch);
    return toPage(rows.map(toAttempt), plan, (a) => a.id);
  }

  async get(appId: string, msgId: string, attemptId: string): Promise<Attempt | null> {
    const row = this.db.get<AttemptRow>(
      'SELECT * FROM attempts WHERE id = ? AND app_id = ? AND msg_id = ?',
      attemptId,
      appId,
      msgId,
    );
    return row ? toAttempt(row) : null;
  }

  async expungeContent(appId: string, msgId: string, attemptId: string): Promise<void> {
    const { changes } = this.db.run(
      `UPDATE attempts SET response = '', request_headers = '{}' WHERE id = ? AND app_id = ? AND msg_id = ?`,
      attemptId,
      appId,
      msgId,
    );
    if (changes === 0) throw new NotFoundError('attempt');
  }

  async endpointMessages(appId: string, endpointId: string, query: EndpointMessageQuery): Promise<Page<EndpointMessage>> {
    const plan = planPage(query, 'descending');
    const params: unknown[] = [endpointId, appId];
    let where = `d.endpoint_id = ? AND m.app_id = ? AND ${IS_LATEST}`;
    if (query.status != null) {
      where += ' AND d.status = ?';
      params.push(query.status);
    }
    where += messageFilterCondition('m', query, params) + beforeAfterCondition('m.created_at', query, params);
    // Walks deliveries_endpoint (endpoint_id, msg_id) in order, so a page costs about its size.
    const sql = `SELECT m.*, d.status AS d_status, d.next_attempt_at AS d_next_attempt_at
      FROM deliveries d JOIN messages m ON m.id = d.msg_id
      WHERE ${where}${cursorCondition(plan, 'd.msg_id', params)} ORDER BY d.msg_id ${plan.sql} LIMIT ?`;
    const rows = this.db.all<MessageRow & DeliveryState>(sql, ...params, plan.fetch);
    const data = rows.map((r) => ({ message: toMessage(r), status: r.d_status, nextAttemptAt: r.d_next_attempt_at }));
    return toPage(data, plan, (x) => x.message.id);
  }

  async messageDestinations(appId: string, msgId: string, query: PageQuery): Promise<Page<MessageDestination>> {
    const plan = planPage(query, 'ascending');
    const params: unknown[] = [msgId, appId];
    const sql = `SELECT e.*, d.status AS d_status, d.next_attempt_at AS d_next_attempt_at
      FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
      WHERE d.msg_id = ? AND e.app_id = ? AND ${IS_LATEST}${cursorCondition(plan, 'd.endpoint_id', params)}
      ORDER BY d.endpoint_id ${plan.sql} LIMIT ?`;
    const rows = this.db.all<EndpointRow & DeliveryState>(sql, ...params, plan.fetch);
    const data = rows.map((r) => ({ endpoint: toEndpoint(r), status: r.d_status, nextAttemptAt: r.d_next_attempt_at }));
    return toPage(data, plan, (x) => x.endpoint.id);
  }
}
