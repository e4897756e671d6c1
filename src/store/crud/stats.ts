import { idFloor } from '../../core/ids.js';
import type { DeliveryStats, StatsStore } from '../ports/stats.js';
import { raw, sql, type SqlExecutor } from './sql.js';

const MINUTE_MS = 60_000;
/** A literal, not a parameter: SQLite binds a JS number as REAL, and the division must be an integer's. */
const MINUTE = raw(String(MINUTE_MS));
/**
 * Attempt ids carry the clock of the process that made them, `created_at` the engine's `now`: the
 * id range starts this much earlier, and `created_at` decides.
 */
const ID_CLOCK_MARGIN_MS = 60_000;

/**
 * The overview's aggregates in five statements, each on an index: attempts by the primary key's
 * time order (ids sort by creation time, so no index on `created_at` is needed), the queue by the
 * partial indexes on pending and sending deliveries. Percentiles are read by rank (ORDER BY
 * duration OFFSET k), which both SQLite and PostgreSQL run the same way.
 */
export class SqlStats implements StatsStore {
  constructor(private readonly db: SqlExecutor) {}

  async deliveryStats(since: number): Promise<DeliveryStats> {
    const floor = idFloor('atmpt', since - ID_CLOCK_MARGIN_MS);
    const inWindow = sql`id >= ${floor} AND created_at >= ${since}`;
    const rows = await this.db.all<{ minute: number | string; status: string; n: number | string }>(
      sql`SELECT (created_at / ${MINUTE}) * ${MINUTE} AS minute, status, count(*) AS n
        FROM attempts WHERE ${inWindow} GROUP BY 1, 2 ORDER BY 1`,
    );
    const perMinute = new Map<number, { minute: number; success: number; fail: number }>();
    let success = 0;
    let fail = 0;
    for (const row of rows) {
      const minute = Number(row.minute);
      const n = Number(row.n);
      const bucket = perMinute.get(minute) ?? { minute, success: 0, fail: 0 };
      if (row.status === 'success') {
        bucket.success += n;
        success += n;
      } else {
        bucket.fail += n;
        fail += n;
      }
      perMinute.set(minute, bucket);
    }
    const total = success + fail;
    const [latencyP50Ms, latencyP99Ms] = await Promise.all([
      this.durationAtRank(inWindow, total, 0.5),
      this.durationAtRank(inWindow, total, 0.99),
    ]);
    const pending = await this.db.get<{ n: number | string; oldest: number | string | null }>(
      sql`SELECT count(*) AS n, min(next_attempt_at) AS oldest FROM deliveries WHERE status = 'pending'`,
    );
    const sending = await this.db.get<{ n: number | string }>(
      sql`SELECT count(*) AS n FROM deliveries WHERE status = 'sending'`,
    );
    return {
      perMinute: [...perMinute.values()],
      success,
      fail,
      latencyP50Ms,
      latencyP99Ms,
      pending: Number(pending?.n ?? 0),
      sending: Number(sending?.n ?? 0),
      oldestDueAt: pending?.oldest == null ? null : Number(pending.oldest),
    };
  }

  /** The duration at the nearest rank of `quantile` among `total` attempts (null when none). */
  private async durationAtRank(
    inWindow: ReturnType<typeof sql>,
    total: number,
    quantile: number,
  ): Promise<number | null> {
    if (total === 0) return null;
    const offset = Math.min(total - 1, Math.max(0, Math.ceil(quantile * total) - 1));
    const row = await this.db.get<{ ms: number | string }>(
      sql`SELECT response_duration_ms AS ms FROM attempts WHERE ${inWindow}
        ORDER BY response_duration_ms LIMIT 1 OFFSET ${offset}`,
    );
    return row === undefined ? null : Number(row.ms);
  }
}
