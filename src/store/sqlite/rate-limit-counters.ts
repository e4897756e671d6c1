import { LRUCache } from 'lru-cache';
import type { RateLimitCounters, RateWindow } from '../ports/rate-limits.js';

/** Keys kept at most: an attacker cycling addresses or tokens evicts the oldest, not the memory. */
const MAX_KEYS = 100_000;

/**
 * The counters in this process: SQLite serves one process, so memory is where every request of
 * it is seen, and a counter costs no write (a table would add a commit to every failed request).
 */
export class MemoryRateLimitCounters implements RateLimitCounters {
  private readonly windows = new LRUCache<string, RateWindow>({ max: MAX_KEYS });

  async hit(key: string, windowMs: number, now: number): Promise<RateWindow> {
    const current = this.windows.get(key);
    const next =
      current === undefined || current.endsAt <= now
        ? { count: 1, endsAt: now + windowMs }
        : { count: current.count + 1, endsAt: current.endsAt };
    this.windows.set(key, next);
    return next;
  }

  async read(key: string, now: number): Promise<RateWindow> {
    const current = this.windows.get(key);
    return current === undefined || current.endsAt <= now ? { count: 0, endsAt: now } : current;
  }
}
