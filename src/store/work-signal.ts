import type { Logger } from 'pino';
import { createLogger } from '../log/create-logger.js';

/**
 * When the work a commit queued is due: `now` (new messages, resends, released leases), `later`
 * (a retry, at a time the listener must look up), or `held`: due now, but every delivery it left
 * pending is held back by the fair shares (store/fair-share.ts: its target or application was at
 * its limit of live leases), so that no claim can take it before one of those leases ends. A
 * delivery engine claims on `now` and `later`; only `later` can move its timer for the next due
 * delivery earlier, so only `later` makes it ask when that is. On `held` it claims nothing: it
 * notes that work waits behind the leases (the ending of one hands its place on) and rechecks
 * soon, as after a claim that left work held back. A claim per commit there read the front of the
 * due index for nothing: behind a slow destination at its limit, the ingest ran at less than half
 * its rate (docs/ARCHITECTURE.md, Fair shares).
 */
export type WorkDue = 'now' | 'later' | 'held';

/** What a write left pending for a claim: `pending` deliveries due now, `held` of them held back by the fair shares. */
export interface LeftPending {
  pending: number;
  held: number;
}

export const NONE_LEFT: LeftPending = { pending: 0, held: 0 };

export function addLeft(a: LeftPending, b: LeftPending): LeftPending {
  return { pending: a.pending + b.pending, held: a.held + b.held };
}

/** The signal for a commit that left `left` (see `WorkDue`); null when it left nothing. */
export function pendingDue({ pending, held }: LeftPending): WorkDue | null {
  if (pending > held) return 'now';
  return held > 0 ? 'held' : null;
}

/**
 * A listener of `onWork`. `at` (epoch ms), with `later` only: the work is due exactly then, and
 * nothing sooner: deliveries created for a target that may not be sent to before a stored time
 * (an open circuit's probe, a pause's end). The engine keeps its timer at or before `at`, with no
 * claim and no lookup; behind a dead destination every group commit signals so, and a claim or a
 * lookup each would be for nothing. Without `at`, a `later` listener looks up when work is due.
 */
export type WorkListener = (due: WorkDue, at?: number) => void;

/**
 * The in-process "new work may be due" signal behind `DeliveryQueue.onWork`. Stores call `emit()` after
 * a commit, never inside a transaction: a listener that reads the queue at once must see the rows.
 */
export class WorkSignal {
  private readonly listeners = new Set<WorkListener>();

  /** `logger`: where a listener that throws is reported (default: `createLogger()`: info, stdout). */
  constructor(private readonly log: Logger = createLogger()) {}

  /** Adds `listener`; returns the function that removes it. */
  subscribe(listener: WorkListener): () => void {
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const entry: WorkListener = (due, at) => listener(due, at);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** `at`: see `WorkListener`. */
  emit(due: WorkDue | null, at?: number): void {
    if (due === null) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(due, at);
      } catch (error) {
        // The data is committed; a broken listener must not turn the caller's success into a failure.
        this.log.error({ err: String(error) }, 'an onWork listener threw');
      }
    }
  }
}
