import { newId } from '../../core/ids.js';
import {
  type ConnectionRow,
  type DestinationRow,
  type EventDeliveryRow,
  type RequestRow,
  toConnection,
  toDestination,
  toEventDelivery,
  toInboundRequest,
} from '../inbound-rows.js';
import type { LeasedEvent, ListenInput, ListenStore, ListenTarget } from '../ports/listen.js';
import { toJsonOrNull } from '../rows.js';
import { sql, type SqlExecutor } from './sql.js';

/** The events of a CLI destination that a session may take now: through deliveries_cli. */
const dueFor = (destinationId: string, now: number) =>
  sql`kind = 'cli' AND status IN ('pending', 'sending') AND destination_id = ${destinationId}
    AND ((status = 'pending' AND next_attempt_at <= ${now}) OR (status = 'sending' AND lease_until <= ${now}))`;

/** CLI destinations and their queue (see `ListenStore`), written once for both backends. */
export class SqlListenSessions implements ListenStore {
  constructor(private readonly db: SqlExecutor) {}

  async open(input: ListenInput, now: number): Promise<ListenTarget> {
    const destination = await this.openDestination(input, now);
    const filter = input.filterText !== undefined ? input.filterText : toJsonOrNull(input.filter);
    const updated = await this.db.get<ConnectionRow>(
      sql`UPDATE connections SET filter = ${filter}, disabled = ${false}, updated_at = ${now}
        WHERE destination_id = ${destination.id} AND source_id = ${input.sourceId} RETURNING *`,
    );
    if (updated) return { destination, connection: toConnection(updated) };
    const row: ConnectionRow = {
      id: newId('conn', now),
      name: `hookd listen (${input.device})`,
      source_id: input.sourceId,
      destination_id: destination.id,
      filter,
      transform: null,
      disabled: false,
      created_at: now,
      updated_at: now,
    };
    await this.db.run(
      sql`INSERT INTO connections (id, name, source_id, destination_id, filter, transform, disabled, created_at,
          updated_at)
        VALUES (${row.id}, ${row.name}, ${row.source_id}, ${row.destination_id}, ${row.filter}, ${null}, ${false},
          ${now}, ${now})`,
    );
    return { destination, connection: toConnection(row) };
  }

  /** Found by its uid; two sessions creating it at once: the unique uid lets one insert, both read it. */
  private async openDestination(input: ListenInput, now: number) {
    const uid = `listen_${input.sourceId}_${input.device}`;
    const update = () =>
      this.db.get<DestinationRow>(
        sql`UPDATE destinations SET url = ${input.forwardTo}, disabled = ${false}, updated_at = ${now}
          WHERE uid = ${uid} AND kind = 'cli' RETURNING *`,
      );
    const found = await update();
    if (found) return toDestination(found);
    try {
      await this.db.run(
        sql`INSERT INTO destinations (id, kind, uid, name, url, headers, basic_auth, throttle_rate, retry_schedule,
            timeout_ms, secret, disabled, created_at, updated_at)
          VALUES (${newId('dst', now)}, 'cli', ${uid}, ${`hookd listen (${input.device})`}, ${input.forwardTo}, '{}',
            ${null}, ${null}, ${null}, ${null}, ${null}, ${false}, ${now}, ${now})`,
      );
    } catch (error) {
      if (!this.db.dialect.isUniqueViolation(error)) throw error;
    }
    const created = await update();
    if (!created) throw new Error(`the uid ${uid} belongs to a destination that is not a CLI session's`);
    return toDestination(created);
  }

  takeOver(destinationId: string, now: number): Promise<number> {
    return this.db.run(
      sql`UPDATE deliveries SET status = 'pending', next_attempt_at = ${now}, lease_owner = NULL, lease_until = NULL,
          updated_at = ${now}
        WHERE kind = 'cli' AND status IN ('pending', 'sending') AND destination_id = ${destinationId}
          AND status = 'sending'`,
    );
  }

  skipBacklog(destinationId: string, now: number): Promise<number> {
    return this.db.run(
      sql`UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL,
          updated_at = ${now}
        WHERE kind = 'cli' AND status IN ('pending', 'sending') AND destination_id = ${destinationId}`,
    );
  }

  /**
   * One statement: the subquery picks the oldest due event, the outer WHERE checks it again, so
   * that of two sessions racing for one row (PostgreSQL re-reads a row it waited for) one gets it
   * and the other gets none (and claims again).
   */
  async claimNext(destinationId: string, owner: string, leaseMs: number, now: number): Promise<LeasedEvent | null> {
    const row = await this.db.get<EventDeliveryRow>(
      sql`UPDATE deliveries SET status = 'sending', lease_owner = ${owner}, lease_until = ${now + leaseMs},
          updated_at = ${now}
        WHERE id = (SELECT id FROM deliveries WHERE ${dueFor(destinationId, now)} ORDER BY created_at, id LIMIT 1)
          AND ${dueFor(destinationId, now)}
        RETURNING *`,
    );
    if (!row) return null;
    const request = await this.db.get<RequestRow>(sql`SELECT * FROM requests WHERE id = ${row.request_id}`);
    // The request went with its source (cascade) between the two statements: nothing left to send.
    if (!request) return null;
    return { delivery: toEventDelivery(row), request: toInboundRequest(request) };
  }

  async nextDueAt(destinationId: string): Promise<number | null> {
    const row = await this.db.get<{ due: number | string | null }>(
      sql`SELECT min(next_attempt_at) AS due FROM deliveries
        WHERE kind = 'cli' AND status IN ('pending', 'sending') AND destination_id = ${destinationId}
          AND status = 'pending'`,
    );
    return row?.due == null ? null : Number(row.due);
  }

  async isLeased(eventId: string, owner: string): Promise<boolean> {
    const row = await this.db.get<{ id: string }>(
      sql`SELECT id FROM deliveries WHERE id = ${eventId} AND status = 'sending' AND lease_owner = ${owner}`,
    );
    return row !== undefined;
  }
}
