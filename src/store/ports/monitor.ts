/** The queue as an operator watches it (`/metrics`). */
export interface QueueStats {
  /** Deliveries waiting for an attempt (`pending`), due now or later. */
  pending: number;
  /** Of those, the ones due now (`nextAttemptAt <= now`). */
  due: number;
  /** Deliveries leased to a worker (`sending`). */
  sending: number;
  /** When the longest-waiting due delivery became due (epoch ms); `null` when none is due. */
  oldestDueAt: number | null;
}

/** What health checks and metrics read from the store. Cheap, read-only. */
export interface StoreMonitor {
  /** Resolves when the database answers a trivial query; rejects with the driver's error otherwise. */
  ping(): Promise<void>;
  /** The queue's size and its oldest due delivery at `now` (epoch ms). */
  queueStats(now: number): Promise<QueueStats>;
}
