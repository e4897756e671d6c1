import type { Logger } from 'pino';
import { createLogger } from '../log/create-logger.js';

/**
 * When the work a commit queued is due: `now` (new messages, resends, released leases), or `later`
 * (a retry, at a time the listener must look up). A delivery engine claims on either; only `later`
 * can move its timer for the next due delivery earlier, so only `later` makes it ask when that is.
 */
export type WorkDue = 'now' | 'later';

/**
 * The in-process "new work may be due" signal behind `DeliveryQueue.onWork`. Stores call `emit()` after
 * a commit, never inside a transaction: a listener that reads the queue at once must see the rows.
 */
export class WorkSignal {
  private readonly listeners = new Set<(due: WorkDue) => void>();

  /** `logger`: where a listener that throws is reported (default: `createLogger()`: info, stdout). */
  constructor(private readonly log: Logger = createLogger()) {}

  /** Adds `listener`; returns the function that removes it. */
  subscribe(listener: (due: WorkDue) => void): () => void {
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const entry = (due: WorkDue) => listener(due);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(due: WorkDue): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(due);
      } catch (error) {
        // The data is committed; a broken listener must not turn the caller's success into a failure.
        this.log.error({ err: String(error) }, 'an onWork listener threw');
      }
    }
  }
}
