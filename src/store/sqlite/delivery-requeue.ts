import { NotFoundError } from '../../core/errors.js';
import { type Delivery, TriggerType } from '../../core/types.js';
import { endpointAccepts } from '../endpoint-filter.js';
import { retryDeadLettersSql } from '../crud/dead-letters.js';
import type { SqlExecutor } from '../crud/sql.js';
import type { DeadLetterQuery, TimeRange } from '../store.js';
import type { WorkSignal } from '../work-signal.js';
import { rangeCondition } from './conditions.js';
import type { SqliteDb } from './database.js';
import { insertDelivery } from './message-writer.js';
import { type EndpointRow, newDeliveryRow, toDelivery, toEndpoint } from '../rows.js';

/** Putting deliveries back on the queue by hand: resend, recover failed, replay missing. */
export class SqliteDeliveryRequeue {
  private readonly replayTx: (endpointId: string, range: TimeRange, now: number) => number;

  constructor(
    private readonly db: SqliteDb,
    private readonly crud: SqlExecutor,
    private readonly work: WorkSignal,
  ) {
    this.replayTx = db.transaction(this.replayInTransaction.bind(this));
  }

  async resend(appId: string, msgId: string, endpointId: string, now: number): Promise<Delivery> {
    if (!this.db.get('SELECT 1 FROM messages WHERE app_id = ? AND id = ?', appId, msgId)) {
      throw new NotFoundError('message');
    }
    const endpoint = this.db.get<Pick<EndpointRow, 'id' | 'disabled'>>(
      'SELECT id, disabled FROM endpoints WHERE app_id = ? AND id = ?',
      appId,
      endpointId,
    );
    if (!endpoint) throw new NotFoundError('endpoint');
    const row = newDeliveryRow(
      appId,
      msgId,
      { id: endpoint.id, disabled: endpoint.disabled === 1 },
      TriggerType.Manual,
      now,
    );
    insertDelivery(this.db, row);
    if (row.status === 'pending') this.work.emit('now');
    return toDelivery(row);
  }

  async recoverFailed(endpointId: string, range: TimeRange, now: number): Promise<number> {
    // A disabled endpoint is never sent to: its deliveries stay as they are until it is enabled.
    if (this.requireEndpoint(endpointId).disabled) return 0;
    const params: unknown[] = [now, now, endpointId];
    const { changes } = this.db.run(
      `UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ?, updated_at = ?
       WHERE endpoint_id = ? AND status IN ('fail', 'canceled')${rangeCondition('created_at', range, params)}`,
      ...params,
    );
    if (changes > 0) this.work.emit('now');
    return changes;
  }

  async replayMissing(endpointId: string, range: TimeRange, now: number): Promise<number> {
    const count = this.replayTx(endpointId, range, now);
    if (count > 0) this.work.emit('now');
    return count;
  }

  async retryDeadLetters(query: DeadLetterQuery, now: number): Promise<number> {
    const count = await retryDeadLettersSql(this.crud, query, now);
    if (count > 0) this.work.emit('now');
    return count;
  }

  private replayInTransaction(endpointId: string, range: TimeRange, now: number): number {
    const endpoint = this.requireEndpoint(endpointId);
    // A disabled endpoint gets nothing, as in fan-out; replaying once it is enabled again still works
    // because no (canceled) delivery was left behind to make those messages look delivered.
    if (endpoint.disabled) return 0;
    const params: unknown[] = [endpoint.appId];
    const candidates = this.db.all<{ id: string; event_type: string; channels: string | null }>(
      `SELECT m.id, m.event_type, m.channels FROM messages m
       WHERE m.app_id = ?${rangeCondition('m.created_at', range, params)}
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND d.endpoint_id = ?)
       ORDER BY m.id`,
      ...params,
      endpoint.id,
    );
    let count = 0;
    for (const m of candidates) {
      const channels = m.channels === null ? null : (JSON.parse(m.channels) as string[]);
      if (!endpointAccepts(endpoint, { eventType: m.event_type, channels })) continue;
      insertDelivery(this.db, newDeliveryRow(endpoint.appId, m.id, endpoint, TriggerType.Scheduled, now));
      count += 1;
    }
    return count;
  }

  private requireEndpoint(endpointId: string) {
    const row = this.db.get<EndpointRow>('SELECT * FROM endpoints WHERE id = ?', endpointId);
    if (!row) throw new NotFoundError('endpoint');
    return toEndpoint(row);
  }
}
