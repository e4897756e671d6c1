import type { RateLimitCounters, RateWindow } from '../ports/rate-limits.js';
import type { PgDb } from './database.js';

/** How often ended windows are deleted (at most; on the next hit after this long). */
const SWEEP_EVERY_MS = 60_000;

/**
 * The counters in `rate_limit_counters` (UNLOGGED: no WAL for counters that only matter for a
 * minute; a crash of the server empties them, which forgives the clients counted), so that every
 * API process counts the same hits. A hit is one upsert.
 */
export class PgRateLimitCounters implements RateLimitCounters {
  private sweptAt = 0;

  constructor(private readonly db: PgDb) {}

  async hit(key: string, windowMs: number, now: number): Promise<RateWindow> {
    this.sweep(now);
    const row = await this.db.get<{ count: number; ends_at: number }>(
      `INSERT INTO rate_limit_counters AS c (key, count, ends_at) VALUES ($1, 1, $2::bigint + $3::bigint)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN c.ends_at <= $2 THEN 1 ELSE c.count + 1 END,
         ends_at = CASE WHEN c.ends_at <= $2 THEN $2::bigint + $3::bigint ELSE c.ends_at END
       RETURNING count, ends_at`,
      [key, now, windowMs],
    );
    return { count: row!.count, endsAt: row!.ends_at };
  }

  async read(key: string, now: number): Promise<RateWindow> {
    const row = await this.db.get<{ count: number; ends_at: number }>(
      'SELECT count, ends_at FROM rate_limit_counters WHERE key = $1 AND ends_at > $2',
      [key, now],
    );
    return row === undefined ? { count: 0, endsAt: now } : { count: row.count, endsAt: row.ends_at };
  }

  /** Deletes ended windows now and then, off the request's path (a failure waits for the next sweep). */
  private sweep(now: number): void {
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    this.db.run('DELETE FROM rate_limit_counters WHERE ends_at <= $1', [now]).catch(() => {});
  }
}
