import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { type Delivery, TriggerType } from '../../core/types.js';
import { endpointAccepts } from '../endpoint-filter.js';
import { retryDeadLettersSql } from '../crud/dead-letters.js';
import type { SqlExecutor } from '../crud/sql.js';
import type { DeadLetterQuery, TimeRange } from '../store.js';
import type { WorkSignal } from '../work-signal.js';
import { rangeCondition } from './conditions.js';
import { isForeignKeyViolation, type PgDb, type PgQueries } from './database.js';
import { type EndpointRow, newDeliveryRow, toDelivery, toEndpoint } from '../rows.js';
import { SqlParams } from './sql-params.js';
import { notifyIfAny, WORK_CHANNEL, type WorkPayloads } from './work-notify.js';

/** Inserts pending deliveries given as parallel arrays (id, app_id, msg_id, endpoint_id), and notifies. */
const INSERT_PENDING = `WITH inserted AS (
    INSERT INTO deliveries (id, app_id, msg_id, endpoint_id, status, trigger, attempt_count, next_attempt_at,
      created_at, updated_at)
    SELECT x.id, x.app_id, x.msg_id, x.endpoint_id, 'pending', $5, 0, $6, $6, $6
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(id, app_id, msg_id, endpoint_id)
    RETURNING 1
  )
SELECT (SELECT count(*) FROM inserted) AS inserted, ${notifyIfAny('inserted', '$7')} AS notified`;

/** A delivery to a disabled endpoint: recorded, never queued (see `newDeliveryRow`). */
const INSERT_CANCELED = `INSERT INTO deliveries (id, app_id, msg_id, endpoint_id, status, trigger, attempt_count,
    next_attempt_at, created_at, updated_at)
  VALUES ($1, $2, $3, $4, 'canceled', $5, 0, NULL, $6, $6)`;

/** Putting deliveries back on the queue by hand: resend, recover failed, replay missing. */
export class PgDeliveryRequeue {
  constructor(
    private readonly db: PgDb,
    private readonly crud: SqlExecutor,
    private readonly work: WorkSignal,
    private readonly notifyPayload: WorkPayloads,
  ) {}

  async resend(appId: string, msgId: string, endpointId: string, now: number): Promise<Delivery> {
    const found = await this.db.get<{ message: boolean; disabled: boolean | null }>(
      `SELECT EXISTS (SELECT 1 FROM messages WHERE app_id = $1 AND id = $2) AS message,
              (SELECT disabled FROM endpoints WHERE app_id = $1 AND id = $3) AS disabled`,
      [appId, msgId, endpointId],
    );
    if (!found!.message) throw new NotFoundError('message');
    if (found!.disabled === null) throw new NotFoundError('endpoint');
    const row = newDeliveryRow(appId, msgId, { id: endpointId, disabled: found!.disabled }, TriggerType.Manual, now);
    try {
      if (row.status === 'pending')
        await this.insertPending(this.db, [row.id], appId, [msgId], [endpointId], TriggerType.Manual, now);
      else await this.db.run(INSERT_CANCELED, [row.id, appId, msgId, endpointId, TriggerType.Manual, now]);
    } catch (error) {
      // The message or endpoint was deleted since we looked.
      if (isForeignKeyViolation(error)) throw new NotFoundError('message');
      throw error;
    }
    if (row.status === 'pending') this.work.emit('now');
    return toDelivery(row);
  }

  async recoverFailed(endpointId: string, range: TimeRange, now: number): Promise<number> {
    // A disabled endpoint is never sent to: its deliveries stay as they are until it is enabled.
    if ((await this.requireEndpoint(this.db, endpointId)).disabled) return 0;
    const params = new SqlParams(now, endpointId, this.notifyPayload.now);
    const row = await this.db.get<{ recovered: number }>(
      `WITH recovered AS (
         UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = $1, updated_at = $1
         WHERE endpoint_id = $2 AND status IN ('fail', 'canceled')${rangeCondition('created_at', range, params)}
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM recovered) AS recovered, ${notifyIfAny('recovered', '$3')} AS notified`,
      params.values,
    );
    if (row!.recovered > 0) this.work.emit('now');
    return row!.recovered;
  }

  async replayMissing(endpointId: string, range: TimeRange, now: number): Promise<number> {
    const count = await this.db.transaction((tx) => this.replayInTransaction(tx, endpointId, range, now));
    if (count > 0) this.work.emit('now');
    return count;
  }

  async retryDeadLetters(query: DeadLetterQuery, now: number): Promise<number> {
    const count = await retryDeadLettersSql(this.crud, query, now);
    if (count > 0) {
      // This process's claims at once; the other processes' by NOTIFY.
      this.work.emit('now');
      await this.db.run(`SELECT pg_notify('${WORK_CHANNEL}', $1)`, [this.notifyPayload.now]);
    }
    return count;
  }

  private async replayInTransaction(tx: PgQueries, endpointId: string, range: TimeRange, now: number): Promise<number> {
    // FOR NO KEY UPDATE: two replays of one endpoint run one after the other (else both would see
    // the same messages as missing), while fan-out, whose foreign-key checks only take KEY SHARE
    // locks on the endpoint, is not held up.
    const endpoint = await this.requireEndpoint(tx, endpointId, ' FOR NO KEY UPDATE');
    // A disabled endpoint gets nothing, as in fan-out; replaying once it is enabled again still works
    // because no (canceled) delivery was left behind to make those messages look delivered.
    if (endpoint.disabled) return 0;
    const params = new SqlParams(endpoint.appId, endpoint.id);
    const candidates = await tx.all<{ id: string; event_type: string; channels: string[] | null }>(
      `SELECT m.id, m.event_type, m.channels FROM messages m
       WHERE m.app_id = $1${rangeCondition('m.created_at', range, params)}
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND d.endpoint_id = $2)
       ORDER BY m.id`,
      params.values,
    );
    const msgIds = candidates
      .filter((m) => endpointAccepts(endpoint, { eventType: m.event_type, channels: m.channels }))
      .map((m) => m.id);
    if (msgIds.length === 0) return 0;
    const ids = msgIds.map(() => newId('dlv', now));
    return this.insertPending(
      tx,
      ids,
      endpoint.appId,
      msgIds,
      msgIds.map(() => endpoint.id),
      TriggerType.Scheduled,
      now,
    );
  }

  private async insertPending(
    db: PgQueries,
    ids: string[],
    appId: string,
    msgIds: string[],
    endpointIds: string[],
    trigger: TriggerType,
    now: number,
  ): Promise<number> {
    const appIds = ids.map(() => appId);
    const row = await db.get<{ inserted: number }>(INSERT_PENDING, [
      ids,
      appIds,
      msgIds,
      endpointIds,
      trigger,
      now,
      this.notifyPayload.now,
    ]);
    return row!.inserted;
  }

  private async requireEndpoint(db: PgQueries, endpointId: string, lock = '') {
    const row = await db.get<EndpointRow>(`SELECT * FROM endpoints WHERE id = $1${lock}`, [endpointId]);
    if (!row) throw new NotFoundError('endpoint');
    return toEndpoint(row);
  }
}
