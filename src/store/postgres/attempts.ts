import { NotFoundError } from '../../core/errors.js';
import type { Attempt, DeliveryStatus } from '../../core/types.js';
import type { AttemptQuery, EndpointMessage, EndpointMessageQuery, MessageDestination, Page, PageQuery } from '../store.js';
import { beforeAfterCondition, messageFilterCondition } from './conditions.js';
import type { PgDb } from './database.js';
import { cursorCondition, planPage, toPage } from './paging.js';
import { type AttemptRow, type EndpointRow, type MessageRow, toAttempt, toEndpoint, toMessage } from '../rows.js';
import { SqlParams } from './sql-params.js';

/** The state of a delivery joined to a message or endpoint row. */
interface DeliveryState {
  d_status: DeliveryStatus;
  d_next_attempt_at: number | null;
}

// "Latest delivery of this message to this endpoint": a resend adds a second delivery, and the
// lists show the newest one. Checked per row through deliveries_msg (msg_id, endpoint_id).
const IS_LATEST = `d.id = (SELECT max(l.id) FROM deliveries l WHERE l.msg_id = d.msg_id AND l.endpoint_id = d.endpoint_id)`;

/** Attempt logs, and the per-endpoint / per-message views of deliveries. */
export class PgAttempts {
  constructor(private readonly db: PgDb) {}

  async list(appId: string, query: AttemptQuery): Promise<Page<Attempt>> {
    const plan = planPage(query, 'descending');
    const params = new SqlParams(appId);
    let where = 'app_id = $1';
    for (const [column, value] of [
      ['msg_id', query.msgId],
      ['endpoint_id', query.endpointId],
      ['status', query.status],
    ] as const) {
      if (value != null) where += ` AND ${column} = ${params.add(value)}`;
    }
    where += beforeAfterCondition('created_at', query, params) + cursorCondition(plan, 'id', params);
    const sql = `SELECT * FROM attempts WHERE ${where} ORDER BY id ${plan.sql} LIMIT ${params.add(plan.fetch)}`;
    const rows = await this.db.all<AttemptRow>(sql, params.values);
    return toPage(rows.map(toAttempt), plan, (a) => a.id);
  }

  async get(appId: string, msgId: string, attemptId: string): Promise<Attempt | null> {
    const row = await this.db.get<AttemptRow>('SELECT * FROM attempts WHERE id = $1 AND app_id = $2 AND msg_id = $3', [
      attemptId,
      appId,
      msgId,
    ]);
    return row ? toAttempt(row) : null;
  }

  async expungeContent(appId: string, msgId: string, attemptId: string): Promise<void> {
    const changed = await this.db.run(
      `UPDATE attempts SET response = '', request_headers = '{}' WHERE id = $1 AND app_id = $2 AND msg_id = $3`,
      [attemptId, appId, msgId],
    );
    if (changed === 0) throw new NotFoundError('attempt');
  }

  async endpointMessages(appId: string, endpointId: string, query: EndpointMessageQuery): Promise<Page<EndpointMessage>> {
    const plan = planPage(query, 'descending');
    const params = new SqlParams(endpointId, appId);
    let where = `d.endpoint_id = $1 AND m.app_id = $2 AND ${IS_LATEST}`;
    if (query.status != null) where += ` AND d.status = ${params.add(query.status)}`;
    where +=
      messageFilterCondition('m', query, params) +
      beforeAfterCondition('m.created_at', query, params) +
      cursorCondition(plan, 'd.msg_id', params);
    // Walks deliveries_endpoint (endpoint_id, msg_id) in order, so a page costs about its size.
    const sql = `SELECT m.*, d.status AS d_status, d.next_attempt_at AS d_next_attempt_at
      FROM deliveries d JOIN messages m ON m.id = d.msg_id
      WHERE ${where} ORDER BY d.msg_id ${plan.sql} LIMIT ${params.add(plan.fetch)}`;
    const rows = await this.db.all<MessageRow & DeliveryState>(sql, params.values);
    const data = rows.map((r) => ({ message: toMessage(r), status: r.d_status, nextAttemptAt: r.d_next_attempt_at }));
    return toPage(data, plan, (x) => x.message.id);
  }

  async messageDestinations(appId: string, msgId: string, query: PageQuery): Promise<Page<MessageDestination>> {
    const plan = planPage(query, 'ascending');
    const params = new SqlParams(msgId, appId);
    const sql = `SELECT e.*, d.status AS d_status, d.next_attempt_at AS d_next_attempt_at
      FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
      WHERE d.msg_id = $1 AND e.app_id = $2 AND ${IS_LATEST}${cursorCondition(plan, 'd.endpoint_id', params)}
      ORDER BY d.endpoint_id ${plan.sql} LIMIT ${params.add(plan.fetch)}`;
    const rows = await this.db.all<EndpointRow & DeliveryState>(sql, params.values);
    const data = rows.map((r) => ({ endpoint: toEndpoint(r), status: r.d_status, nextAttemptAt: r.d_next_attempt_at }));
    return toPage(data, plan, (x) => x.endpoint.id);
  }
}
