/** A counter's state after a hit or a read. */
export interface RateWindow {
  /** Hits in the current window (the one just counted included). */
  count: number;
  /** When the current window ends (epoch ms); the count starts again from 0 then. */
  endsAt: number;
}

/**
 * Fixed-window hit counters by key, for the API's rate limits (failed authentications per client
 * address and per token, requests per token). Held where every API process sees them: a table on
 * PostgreSQL; in process on SQLite, where one process serves the API.
 */
export interface RateLimitCounters {
  /** Counts one hit on `key`; a window that ended at or before `now` starts again, `windowMs` long. */
  hit(key: string, windowMs: number, now: number): Promise<RateWindow>;
  /** The state of `key` at `now` without counting; `{count: 0}` when its window has ended. */
  read(key: string, now: number): Promise<RateWindow>;
}
