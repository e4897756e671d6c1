import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { DAY_MS } from '../store/retention-fields.js';
import type { RetentionStore } from '../store/store.js';

/** Rows per statement: small, so that a batch holds the database for a few milliseconds at most. */
export const RETENTION_BATCH_ROWS = 500;

export type RetentionPolicy = Pick<Config, 'requestRetentionDays' | 'historyRetentionDays'>;

/** What one pass removed, by step. */
export interface RetentionCounts {
  payloadsExpired: number;
  requestsPruned: number;
  messagesDeleted: number;
  requestsDeleted: number;
}

/**
 * One retention pass at `now`: expired payloads (and their attempts' response bodies), request
 * bodies past `requestRetentionDays`, then messages and requests past `historyRetentionDays`.
 * Each step runs batches of `batchRows` until one comes back short, yielding the event loop
 * between batches so that the API and the engine keep their turn.
 */
export async function runRetention(
  store: RetentionStore,
  policy: RetentionPolicy,
  now: number,
  batchRows = RETENTION_BATCH_ROWS,
): Promise<RetentionCounts> {
  const history = now - policy.historyRetentionDays * DAY_MS;
  return {
    payloadsExpired: await drain((n) => store.expirePayloads(now, n), batchRows),
    requestsPruned: await drain(
      (n) => store.pruneRequestsBefore(now - policy.requestRetentionDays * DAY_MS, n, now),
      batchRows,
    ),
    messagesDeleted: await drain((n) => store.deleteMessagesBefore(history, n), batchRows),
    requestsDeleted: await drain((n) => store.deleteRequestsBefore(history, n), batchRows),
  };
}

/** Runs `batch` until it changes fewer than `batchRows` rows; resolves to the total. */
export async function drain(batch: (limit: number) => Promise<number>, batchRows: number): Promise<number> {
  let total = 0;
  for (;;) {
    const changed = await batch(batchRows);
    total += changed;
    if (changed < batchRows) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface RetentionJob {
  /** Waits for a pass under way, then stops. */
  stop(): Promise<void>;
}

/**
 * Runs `runRetention` every `config.retentionIntervalMs`, starting one interval after start, in
 * the background (a pass that fails is logged and tried again next time). `now` is the clock.
 */
export function startRetentionJob(
  store: RetentionStore,
  config: Config,
  logger: Logger,
  now: () => number = Date.now,
): RetentionJob {
  let running: Promise<void> | null = null;
  let stopped = false;
  const pass = async () => {
    try {
      const counts = await runRetention(store, config, now());
      if (Object.values(counts).some((n) => n > 0)) logger.info({ retention: counts }, 'retention pass');
    } catch (error) {
      logger.error(
        { err: { name: (error as Error).name, message: (error as Error).message } },
        'retention pass failed',
      );
    }
  };
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = pass().finally(() => {
      running = null;
    });
  }, config.retentionIntervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
