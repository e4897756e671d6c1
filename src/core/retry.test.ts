import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../config/config.js';
import { MAX_RETRY_AFTER_MS, RETRY_FLOOR_AFTER_THROTTLE_MS, nextRetryDelayMs, parseRetryAfter } from './retry.js';

const SCHEDULE = DEFAULT_RETRY_SCHEDULE_SECONDS; // 0, 5, 300, 1800, 7200, 18000, 36000, 36000
const ALMOST_ONE = 1 - Number.EPSILON;
const middle = () => 0.5;

/** A seeded PRNG (mulberry32), so a failing draw can be replayed. */
function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('nextRetryDelayMs', () => {
  it('takes schedule[attemptsMade] without jitter at random() = 0.5', () => {
    const delays = SCHEDULE.map((_, attemptsMade) =>
      nextRetryDelayMs({ scheduleSeconds: SCHEDULE, attemptsMade, outcome: 'retry', random: middle }),
    );
    expect(delays).toEqual(SCHEDULE.map((s) => s * 1000));
  });

  it('is exhausted after schedule.length attempts', () => {
    const base = { scheduleSeconds: SCHEDULE, outcome: 'retry', random: middle } as const;
    expect(nextRetryDelayMs({ ...base, attemptsMade: SCHEDULE.length - 1 })).toBe(36_000_000);
    expect(nextRetryDelayMs({ ...base, attemptsMade: SCHEDULE.length })).toBeNull();
    expect(nextRetryDelayMs({ ...base, attemptsMade: SCHEDULE.length + 3 })).toBeNull();
    expect(nextRetryDelayMs({ ...base, scheduleSeconds: [], attemptsMade: 0 })).toBeNull();
    // Exhaustion wins over Retry-After and the throttle floor.
    expect(
      nextRetryDelayMs({ ...base, outcome: 'throttled', retryAfterSeconds: 10, attemptsMade: SCHEDULE.length }),
    ).toBeNull();
  });

  it('has no next attempt after success or gone', () => {
    expect(
      nextRetryDelayMs({ scheduleSeconds: SCHEDULE, attemptsMade: 1, outcome: 'success', random: middle }),
    ).toBeNull();
    expect(
      nextRetryDelayMs({ scheduleSeconds: SCHEDULE, attemptsMade: 1, outcome: 'gone', random: middle }),
    ).toBeNull();
  });

  it('jitters by exactly ±20% at the extremes of random()', () => {
    const at = (r: number) =>
      nextRetryDelayMs({ scheduleSeconds: SCHEDULE, attemptsMade: 2, outcome: 'retry', random: () => r });
    expect(at(0)).toBe(240_000);
    expect(at(ALMOST_ONE)).toBe(360_000);
  });

  it('stays within ±20% and spreads over the range across many draws', () => {
    const random = seededRandom(42);
    for (let attemptsMade = 1; attemptsMade < SCHEDULE.length; attemptsMade++) {
      const baseMs = SCHEDULE[attemptsMade] * 1000;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < 2000; i++) {
        const delay = nextRetryDelayMs({ scheduleSeconds: SCHEDULE, attemptsMade, outcome: 'retry', random })!;
        min = Math.min(min, delay);
        max = Math.max(max, delay);
      }
      expect(min).toBeGreaterThanOrEqual(baseMs * 0.8);
      expect(max).toBeLessThanOrEqual(baseMs * 1.2);
      // Uniform: 2000 draws come close to both ends.
      expect(min).toBeLessThan(baseMs * 0.81);
      expect(max).toBeGreaterThan(baseMs * 1.19);
    }
  });

  it('keeps a zero delay at zero (jitter is proportional)', () => {
    for (const r of [0, 0.3, ALMOST_ONE]) {
      expect(nextRetryDelayMs({ scheduleSeconds: SCHEDULE, attemptsMade: 0, outcome: 'retry', random: () => r })).toBe(
        0,
      );
    }
  });

  it('waits at least 60 s after a timeout or a 429, only when the schedule is shorter', () => {
    for (const outcome of ['timeout', 'throttled'] as const) {
      expect(nextRetryDelayMs({ scheduleSeconds: SCHEDULE, attemptsMade: 0, outcome, random: middle })).toBe(
        RETRY_FLOOR_AFTER_THROTTLE_MS,
      );
      expect(nextRetryDelayMs({ scheduleSeconds: SCHEDULE, attemptsMade: 1, outcome, random: () => ALMOST_ONE })).toBe(
        RETRY_FLOOR_AFTER_THROTTLE_MS,
      );
      expect(nextRetryDelayMs({ scheduleSeconds: SCHEDULE, attemptsMade: 2, outcome, random: () => 0 })).toBe(240_000);
      expect(nextRetryDelayMs({ scheduleSeconds: [0, 55], attemptsMade: 1, outcome, random: () => ALMOST_ONE })).toBe(
        66_000,
      );
    }
    expect(nextRetryDelayMs({ scheduleSeconds: SCHEDULE, attemptsMade: 1, outcome: 'retry', random: middle })).toBe(
      5_000,
    );
  });

  it('honours Retry-After when it asks for longer, never for shorter, in place of the throttle floor', () => {
    const base = { scheduleSeconds: SCHEDULE, attemptsMade: 1, random: middle } as const;
    expect(nextRetryDelayMs({ ...base, outcome: 'retry', retryAfterSeconds: 30 })).toBe(30_000);
    expect(nextRetryDelayMs({ ...base, outcome: 'retry', retryAfterSeconds: 2 })).toBe(5_000);
    expect(nextRetryDelayMs({ ...base, outcome: 'throttled', retryAfterSeconds: 30 })).toBe(30_000);
    expect(nextRetryDelayMs({ ...base, outcome: 'throttled', retryAfterSeconds: 2 })).toBe(5_000);
    expect(nextRetryDelayMs({ ...base, outcome: 'throttled', retryAfterSeconds: 600 })).toBe(600_000);
    expect(nextRetryDelayMs({ ...base, outcome: 'retry', retryAfterSeconds: 0 })).toBe(5_000);
    expect(nextRetryDelayMs({ ...base, outcome: 'retry', retryAfterSeconds: null })).toBe(5_000);
  });

  it('bounds Retry-After to MAX_RETRY_AFTER_MS', () => {
    const base = { scheduleSeconds: SCHEDULE, attemptsMade: 1, outcome: 'throttled', random: middle } as const;
    expect(MAX_RETRY_AFTER_MS).toBe(86_400_000);
    expect(nextRetryDelayMs({ ...base, retryAfterSeconds: 10 * 86_400 })).toBe(MAX_RETRY_AFTER_MS);
    expect(nextRetryDelayMs({ ...base, retryAfterSeconds: Number.MAX_SAFE_INTEGER })).toBe(MAX_RETRY_AFTER_MS);
    // The bound is on Retry-After only: a longer configured schedule step stands.
    expect(nextRetryDelayMs({ ...base, scheduleSeconds: [0, 2 * 86_400], retryAfterSeconds: 10 })).toBe(
      2 * MAX_RETRY_AFTER_MS,
    );
  });
});

describe('parseRetryAfter', () => {
  const NOW_MS = Date.parse('2024-03-01T12:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', NOW_MS)).toBe(120);
    expect(parseRetryAfter('0', NOW_MS)).toBe(0);
    expect(parseRetryAfter(' 7 ', NOW_MS)).toBe(7);
  });

  it('reads HTTP dates as seconds from now, 0 when past', () => {
    expect(parseRetryAfter('Fri, 01 Mar 2024 12:01:30 GMT', NOW_MS)).toBe(90);
    expect(parseRetryAfter('Friday, 01-Mar-24 12:00:10 GMT', NOW_MS)).toBe(10);
    expect(parseRetryAfter('Fri Mar  1 12:00:05 2024', NOW_MS)).toBe(5); // asctime: GMT, though it doesn't say
    expect(parseRetryAfter('Fri, 01 Mar 2024 11:00:00 GMT', NOW_MS)).toBe(0);
    expect(parseRetryAfter('Fri, 01 Mar 2024 12:00:00 GMT', NOW_MS + 1)).toBe(0);
    expect(parseRetryAfter('Fri, 01 Mar 2024 12:00:00 GMT', NOW_MS - 1)).toBe(1);
  });

  it.each([undefined, '', '   ', '-5', '1.5', '1e3', 'soon', '12abc', 'Fri, 99 Foo 2024 GMT', '9'.repeat(30)])(
    'is null for %j',
    (value) => {
      expect(parseRetryAfter(value, NOW_MS)).toBeNull();
    },
  );
});
