import { describe, expect, it } from 'vitest';
import {
  AttemptWindow,
  effectiveRate,
  healthyTarget,
  isThrottlingStatus,
  MIN_SLOW_RATE,
  SLOWDOWN_HOLD_MS,
  shouldOpenCircuit,
  slowDownRate,
} from './target-health.js';

const T0 = 1_700_000_000_000;
const RECOVERY_MS = 60_000;

describe('target health', () => {
  it('slows a limited target to half its rate, then climbs back linearly to the configured rate', () => {
    const h = healthyTarget('ep_1', 50);
    expect(effectiveRate(h, T0, RECOVERY_MS)).toBe(50);
    const slowed = { ...h, ...slowDownRate(h, T0, 0, RECOVERY_MS)!, slowSince: T0 };
    expect(slowed).toMatchObject({ slowRate: 25, slowCeiling: 50 });
    expect(effectiveRate(slowed, T0, RECOVERY_MS)).toBe(25);
    // The ceiling every RECOVERY_MS: a quarter of it (12.5/s) back in 15 s.
    expect(effectiveRate(slowed, T0 + 15_000, RECOVERY_MS)).toBe(37.5);
    expect(effectiveRate(slowed, T0 + 30_000, RECOVERY_MS)).toBe(50);
    // A second signal within the hold is the same burst: no change; after it, half again.
    expect(slowDownRate(slowed, T0 + SLOWDOWN_HOLD_MS - 1, 0, RECOVERY_MS)).toBeNull();
    const again = slowDownRate(slowed, T0 + 6_000, 0, RECOVERY_MS)!;
    expect(again.slowCeiling).toBe(50);
    expect(again.slowRate).toBeCloseTo((25 + 5) / 2, 9);
  });

  it('slows an unlimited target from the rate it was sent at, and lifts the limit once back there', () => {
    const h = healthyTarget('ep_1', null);
    const slowed = { ...h, ...slowDownRate(h, T0, 80, RECOVERY_MS)!, slowSince: T0 };
    expect(effectiveRate(slowed, T0, RECOVERY_MS)).toBe(40);
    expect(effectiveRate(slowed, T0 + 29_999, RECOVERY_MS)).toBeLessThan(80);
    expect(effectiveRate(slowed, T0 + 30_000, RECOVERY_MS)).toBeNull();
    // Never below the floor; no slow-down at all when the floor is no slower than it was sent at.
    const crawl = { ...healthyTarget('ep_2', 1.5) };
    expect(slowDownRate(crawl, T0, 0, RECOVERY_MS)).toEqual({ slowRate: MIN_SLOW_RATE, slowCeiling: 1.5 });
    expect(slowDownRate(healthyTarget('ep_3', null), T0, 0.5, RECOVERY_MS)).toBeNull();
  });

  it('treats 429 and 502-504 as throttling, nothing else', () => {
    expect([429, 502, 503, 504].every(isThrottlingStatus)).toBe(true);
    expect([200, 400, 410, 500, 501, 505, 0].some(isThrottlingStatus)).toBe(false);
  });

  it('opens a circuit on enough attempts that mostly fail, within the window', () => {
    const policy = { circuitMinAttempts: 4, circuitFailurePercent: 50 };
    const window = new AttemptWindow(10_000);
    for (const failed of [true, false, true]) window.add(T0, failed);
    expect(shouldOpenCircuit(window.counts(T0), policy)).toBe(false); // 3 attempts: too few
    window.add(T0 + 1_000, false);
    expect(window.counts(T0 + 1_000)).toEqual({ attempts: 4, failures: 2 });
    expect(shouldOpenCircuit(window.counts(T0 + 1_000), policy)).toBe(true);
    // Ten seconds on, the first three are out of the window.
    expect(window.counts(T0 + 10_500)).toEqual({ attempts: 1, failures: 0 });
    expect(window.rate(T0 + 1_000)).toBe(0.4);
    window.clear();
    expect(window.counts(T0 + 1_000)).toEqual({ attempts: 0, failures: 0 });
  });
});
