/** What the dashboard's overview shows: attempts over a window, and the queue now. */

/** One minute of attempts (the minute's start, epoch ms), by outcome. */
export interface AttemptMinute {
  minute: number;
  success: number;
  fail: number;
}

export interface DeliveryStats {
  /** Minutes with at least one attempt, oldest first. */
  perMinute: AttemptMinute[];
  /** Attempts in the window, by outcome. */
  success: number;
  fail: number;
  /** Attempt durations (ms) in the window at the 50th and 99th percentile; null with no attempt. */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /**
   * Deliveries waiting (`pending`) and in flight (`sending`) now: the engine's queue (messages and
   * events), not the events that wait for a `hookd listen` session (kind `cli`).
   */
  pending: number;
  sending: number;
  /** When the longest-waiting pending delivery of the engine was due (epoch ms); null when none is pending. */
  oldestDueAt: number | null;
}

/** Aggregates for the overview, written once for both backends (crud/stats.ts). */
export interface StatsStore {
  /** Attempts of every kind created since `since` (epoch ms), and the queue's state. */
  deliveryStats(since: number): Promise<DeliveryStats>;
}
