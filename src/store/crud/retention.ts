import type { RetentionStore } from '../ports/retention.js';
import { raw, type Sql, sql, type SqlExecutor } from './sql.js';

/** True where no delivery of the row (`messages m` or `requests r`) is still to be sent. */
const noOpenDelivery = (column: 'msg_id' | 'request_id', alias: 'm' | 'r'): Sql =>
  sql`NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.${raw(column)} = ${raw(alias)}.id
    AND d.status IN ('pending', 'sending'))`;

/**
 * Retention's statements, written once for both backends. Each picks at most `limit` rows by an
 * index (the expiry index, or the primary key: ids start with their creation time, so the oldest
 * rows are the first ones) and changes them in the same statement. Deleting a message or request
 * deletes its deliveries and their attempts (ON DELETE CASCADE).
 */
export class SqlRetention implements RetentionStore {
  constructor(private readonly db: SqlExecutor) {}

  expirePayloads(now: number, limit: number): Promise<number> {
    return this.clearPayloads(
      sql`m.payload IS NOT NULL AND m.payload_expires_at <= ${now} ORDER BY m.payload_expires_at`,
      limit,
    );
  }

  prunePayloadsBefore(before: number, limit: number): Promise<number> {
    return this.clearPayloads(sql`m.payload IS NOT NULL AND m.created_at < ${before} ORDER BY m.id`, limit);
  }

  async pruneRequestsBefore(before: number, limit: number, now: number): Promise<number> {
    const rows = await this.db.all<{ id: string }>(
      sql`UPDATE requests SET body = ${Buffer.alloc(0)}, headers = ${'[]'}, pruned_at = ${now}
        WHERE id IN (SELECT r.id FROM requests r WHERE r.pruned_at IS NULL AND r.received_at < ${before}
          AND ${noOpenDelivery('request_id', 'r')} ORDER BY r.received_at LIMIT ${limit})
        RETURNING id`,
    );
    if (rows.length > 0) {
      await this.db.run(
        sql`UPDATE attempts SET response = '' WHERE delivery_id IN (SELECT id FROM deliveries
          WHERE ${this.db.dialect.isOneOf(
            'request_id',
            rows.map((r) => r.id),
          )}) AND response <> ''`,
      );
    }
    return rows.length;
  }

  deleteMessagesBefore(before: number, limit: number): Promise<number> {
    return this.db.run(
      sql`DELETE FROM messages WHERE id IN (SELECT m.id FROM messages m WHERE m.created_at < ${before}
        AND ${noOpenDelivery('msg_id', 'm')} ORDER BY m.id LIMIT ${limit})`,
    );
  }

  deleteRequestsBefore(before: number, limit: number): Promise<number> {
    return this.db.run(
      sql`DELETE FROM requests WHERE id IN (SELECT r.id FROM requests r WHERE r.received_at < ${before}
        AND ${noOpenDelivery('request_id', 'r')} ORDER BY r.id LIMIT ${limit})`,
    );
  }

  /** Clears the payload of up to `limit` messages that `where` (over `messages m`, with its order) picks, and their attempts' response bodies. */
  private async clearPayloads(where: Sql, limit: number): Promise<number> {
    const rows = await this.db.all<{ id: string }>(
      sql`UPDATE messages SET payload = NULL WHERE id IN (SELECT m.id FROM messages m WHERE ${noOpenDelivery('msg_id', 'm')}
        AND ${where} LIMIT ${limit}) RETURNING id`,
    );
    if (rows.length > 0) {
      await this.db.run(
        sql`UPDATE attempts SET response = '' WHERE ${this.db.dialect.isOneOf(
          'msg_id',
          rows.map((r) => r.id),
        )}
          AND response <> ''`,
      );
    }
    return rows.length;
  }
}
