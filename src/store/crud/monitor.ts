import type { QueueStats, StoreMonitor } from '../ports/monitor.js';
import { sql, type SqlExecutor } from './sql.js';

/**
 * Health and queue figures, the same SQL on both backends. The queue is the engine's: events
 * waiting for a `hookd listen` session (kind `cli`) are not in it. The counts walk the partial
 * indexes of pending and sending rows (`deliveries_due`, `deliveries_lease`, whose condition
 * includes `kind <> 'cli'`: without it both backends scan every delivery), so the cost grows with
 * the backlog, not with the history, and is paid once per scrape.
 */
export class SqlMonitor implements StoreMonitor {
  constructor(private readonly db: SqlExecutor) {}

  async ping(): Promise<void> {
    await this.db.get(sql`SELECT 1 AS ok`);
  }

  async queueStats(now: number): Promise<QueueStats> {
    const row = await this.db.get<{ pending: number; due: number; sending: number; oldest: number | null }>(
      sql`SELECT
        (SELECT count(*) FROM deliveries WHERE status = 'pending' AND kind <> 'cli') AS pending,
        (SELECT count(*) FROM deliveries WHERE status = 'pending' AND kind <> 'cli' AND next_attempt_at <= ${now}) AS due,
        (SELECT count(*) FROM deliveries WHERE status = 'sending' AND kind <> 'cli') AS sending,
        (SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending' AND kind <> 'cli' AND next_attempt_at <= ${now}) AS oldest`,
    );
    return {
      pending: Number(row?.pending ?? 0),
      due: Number(row?.due ?? 0),
      sending: Number(row?.sending ?? 0),
      oldestDueAt: row?.oldest == null ? null : Number(row.oldest),
    };
  }
}
