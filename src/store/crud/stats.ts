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
 * The overview's aggregates in four statements, each on an index: attempts by the primary key's
 * time order (ids sort by creation time, so no index on `created_at` is needed) grouped twice (per
 * minute and outcome; per duration, for exact percentiles), the queue by the partial indexes on
 * pending and sending deliveries (`deliveries_due`, `deliveries_lease`: the engine's, `kind <> 'cli'`).
 */
export class SqlStats implements StatsStore {
  constructor(private readonly db: SqlExecutor) {}

  async deliveryStats(since: number): Promise<DeliveryStats> {
    const floor = idFloor('atmpt', since - ID_CLOCK_MARGIN_MS);
    const inWindow = sql`id >= ${floor} AND created_at >= ${since}`;
    // Four independent reads at once: on PostgreSQL each takes its own pooled connection, so the
    // overview waits for the slowest, not the sum (SQLite runs them one after another anyway).
    const [rows, durations, pending, sending] = await Promise.all([
      this.db.all<{ minute: number | string; status: string; n: number | string }>(
        sql`SELECT (created_at / ${MINUTE}) * ${MINUTE} AS minute, status, count(*) AS n
          FROM attempts WHERE ${inWindow} GROUP BY 1, 2 ORDER BY 1`,
      ),
      // Durations grouped by their exact value (a few hundred distinct values in practice, at most
      // the request timeout's milliseconds): exact percentiles from one scan, no sort of the window.
      this.db.all<{ ms: number | string; n: number | string }>(
        sql`SELECT response_duration_ms AS ms, count(*) AS n FROM attempts WHERE ${inWindow} GROUP BY 1 ORDER BY 1`,
      ),
      // `kind <> 'cli'` is the partial indexes' own condition: without it both backends scan every
      // delivery ever made (100 ms at 100,000; the overview's slowest part). It is also the right
      // count: a `hookd listen` backlog waits for a laptop, not for the engine.
      this.db.get<{ n: number | string; oldest: number | string | null }>(
        sql`SELECT count(*) AS n, min(next_attempt_at) AS oldest FROM deliveries WHERE status = 'pending' AND kind <> 'cli'`,
      ),
      this.db.get<{ n: number | string }>(
        sql`SELECT count(*) AS n FROM deliveries WHERE status = 'sending' AND kind <> 'cli'`,
      ),
    ]);
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
    const histogram = durations.map((row) => ({ ms: Number(row.ms), n: Number(row.n) }));
    const latencyP50Ms = durationAtQuantile(histogram, success + fail, 0.5);
    const latencyP99Ms = durationAtQuantile(histogram, success + fail, 0.99);
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
}

/** The duration at the nearest rank of `quantile` among `total` attempts, from counts per duration; null when none. */
function durationAtQuantile(histogram: { ms: number; n: number }[], total: number, quantile: number): number | null {
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(quantile * total));
  let seen = 0;
  for (const { ms, n } of histogram) {
    seen += n;
    if (seen >= rank) return ms;
  }
  return histogram.at(-1)?.ms ?? null;
}
