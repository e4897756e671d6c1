import type { Outcome } from './outcome.js';

/** After a timeout or a 429 without `Retry-After`, the next attempt waits at least this long. */
export const RETRY_FLOOR_AFTER_THROTTLE_MS = 60_000;

/** A receiver's `Retry-After` is honoured up to this; a longer one would stall the delivery. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** Each scheduled delay is moved by up to this fraction either way, so retries don't stampede. */
export const RETRY_JITTER_FRACTION = 0.2;

export interface NextRetryInput {
  /** `scheduleSeconds[i]` is the delay before attempt i+1; its length is the number of attempts. */
  scheduleSeconds: readonly number[];
  /** Failed attempts so far. */
  attemptsMade: number;
  /** How the last attempt went. */
  outcome: Outcome;
  /** The last response's `Retry-After`, in seconds (see `parseRetryAfter`). */
  retryAfterSeconds?: number | null;
  /** Uniform in [0, 1); `Math.random` in production, fixed in tests. */
  random: () => number;
}

/**
 * Milliseconds to wait before the next attempt, or `null` when there is none: the schedule is
 * exhausted (`attemptsMade >= scheduleSeconds.length`), or the outcome ends the delivery
 * (`success`, `gone`).
 *
 * The delay is `scheduleSeconds[attemptsMade]` with ±20% uniform jitter; a zero delay stays zero
 * (jitter is proportional). After a `timeout` or `throttled` outcome the delay is raised to
 * `RETRY_FLOOR_AFTER_THROTTLE_MS` when it is shorter, unless the response had a `Retry-After`:
 * that raises the scheduled delay instead (never shortens it), counting at most `MAX_RETRY_AFTER_MS`.
 */
export function nextRetryDelayMs(o: NextRetryInput): number | null {
  if (o.outcome === 'success' || o.outcome === 'gone') return null;
  if (o.attemptsMade >= o.scheduleSeconds.length) return null;
  const baseMs = o.scheduleSeconds[Math.max(0, o.attemptsMade)] * 1000;
  const jitter = (o.random() * 2 - 1) * RETRY_JITTER_FRACTION;
  let delayMs = Math.round(baseMs * (1 + jitter));
  if (o.retryAfterSeconds != null && o.retryAfterSeconds > 0) {
    // The receiver said when: that replaces the floor's guess.
    return Math.max(delayMs, Math.min(o.retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS));
  }
  if ((o.outcome === 'timeout' || o.outcome === 'throttled') && delayMs < RETRY_FLOOR_AFTER_THROTTLE_MS) {
    delayMs = RETRY_FLOOR_AFTER_THROTTLE_MS;
  }
  return delayMs;
}

const DELTA_SECONDS_PATTERN = /^\d+$/;
// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 ...`, asctime `Sun Nov  6 ...`.
// Checked before Date.parse because V8 turns almost anything (`1.5`, `x 2`) into some date.
const HTTP_DATE_PATTERN = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? [A-Za-z0-9 :-]+$/;

/**
 * A `Retry-After` header in seconds from now: delta-seconds as given, an HTTP date as the whole
 * seconds until then (0 if past). `null` when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (DELTA_SECONDS_PATTERN.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds) ? seconds : null;
  }
  if (!HTTP_DATE_PATTERN.test(text)) return null;
  // HTTP dates are GMT; the asctime form doesn't say so and Date.parse would read it as local time.
  const atMs = Date.parse(/(GMT|UTC)$/i.test(text) ? text : `${text} GMT`);
  if (Number.isNaN(atMs)) return null;
  return Math.max(0, Math.ceil((atMs - nowMs) / 1000));
}
