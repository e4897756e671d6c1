import { timestampOutOfWindow, type VerifyFailure } from './verify-results.js';

/** How a signed timestamp is written: Unix seconds, Unix milliseconds, or ISO 8601 (Zendesk). */
export type TimestampFormat = 's' | 'ms' | 'iso8601';

const INTEGER = /^\d{1,16}$/;

/** The timestamp in ms since the epoch, or undefined if `value` is not one in `format`. */
export function parseTimestamp(value: unknown, format: TimestampFormat): number | undefined {
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (format === 'iso8601') {
    // Only full date-times: Date.parse accepts "1" or "May 5" and would make them timestamps.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(trimmed)) return undefined;
    const ms = Date.parse(trimmed);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (!INTEGER.test(trimmed)) return undefined;
  return format === 's' ? Number(trimmed) * 1000 : Number(trimmed);
}

/**
 * Undefined when `timestampMs` is within `toleranceSeconds` of `nowMs` either way; else why not.
 * Both ways: a timestamp far in the future is as suspect as an old one (a signature made ahead
 * of time stays replayable until then).
 */
export function checkTimestampWindow(
  timestampMs: number,
  nowMs: number,
  toleranceSeconds: number,
  where: string,
): VerifyFailure | undefined {
  const skewSeconds = Math.round((nowMs - timestampMs) / 1000);
  if (Math.abs(nowMs - timestampMs) <= toleranceSeconds * 1000) return undefined;
  return skewSeconds > 0
    ? timestampOutOfWindow(`${where} is ${skewSeconds} s old; at most ${toleranceSeconds} s is accepted`)
    : timestampOutOfWindow(`${where} is ${-skewSeconds} s in the future; at most ${toleranceSeconds} s is accepted`);
}
