import type { Outcome } from '../core/outcome.js';
import { nextRetryDelayMs } from '../core/retry.js';
import { type AttemptRecord, TriggerType } from '../core/types.js';
import type { DeliveryOutcome } from '../store/store.js';

/** One attempt's result, as the next state of its delivery depends on it. */
export interface AttemptVerdict {
  attempt: AttemptRecord;
  outcome: Outcome;
  /** The response's `Retry-After`, in seconds; `null` when none. */
  retryAfterSeconds: number | null;
  /** Attempts made so far, this one included. */
  attemptsMade: number;
  trigger: TriggerType;
  /** Delays in seconds between attempts (the delivery's own, or the server's). */
  scheduleSeconds: readonly number[];
  /** Epoch ms: the retry's due time counts from it. */
  now: number;
}

/**
 * What happens to a delivery after an attempt: done (`success`), retried later (`pending` at
 * `now` + the jittered delay of core/retry.ts), or given up (`fail`: the schedule is exhausted,
 * or a 410 asked us to stop, which disables a message's endpoint). A manual resend is one
 * attempt: it does not start a retry schedule of its own. The engine and `hookd listen`'s
 * reported outcomes both decide here.
 */
export function nextDeliveryState(v: AttemptVerdict): DeliveryOutcome {
  const { attempt, outcome } = v;
  if (outcome === 'success') return { attempt, status: 'success', nextAttemptAt: null };
  if (outcome === 'gone') return { attempt, status: 'fail', nextAttemptAt: null, disableEndpoint: true };
  const delayMs =
    v.trigger === TriggerType.Manual
      ? null
      : nextRetryDelayMs({
          scheduleSeconds: v.scheduleSeconds,
          attemptsMade: v.attemptsMade,
          outcome,
          retryAfterSeconds: v.retryAfterSeconds,
          random: Math.random,
        });
  return delayMs === null
    ? { attempt, status: 'fail', nextAttemptAt: null }
    : { attempt, status: 'pending', nextAttemptAt: v.now + delayMs };
}
