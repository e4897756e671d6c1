/**
 * The health of a delivery target (an endpoint or a destination), as pure functions of its state
 * and `now`: the rate at which it may be sent to, the slow-down after a throttling answer, and the
 * circuit's thresholds. The store keeps the state (store/ports/target-health.ts); the delivery
 * gate (delivery/delivery-gate.ts) applies it.
 *
 * - Rate: a budget of send slots `1000 / rate` ms apart (GCRA without burst: the store advances
 *   the target's next free slot atomically), at the configured `throttleRate`, lowered while the
 *   target is slowed down.
 * - Slow-down (AIMD): a 429, 502, 503 or 504 halves the target's effective rate (at most once per
 *   `SLOWDOWN_HOLD_MS`); it then climbs back linearly, by its ceiling every `recoveryMs`, and the
 *   slow-down ends when it reaches the ceiling (the configured rate, or for a target without one
 *   the rate it was being sent at). `Retry-After` also pauses the target until then.
 * - Circuit: closed → open when the recent attempts mostly fail; open → half-open when a probe
 *   (one attempt) goes out; half-open → closed when it succeeds, → open again when it fails.
 */

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface TargetHealth {
  /** An endpoint's or a destination's id. */
  targetId: string;
  /** The configured rate in messages per second; `null`: none. */
  rate: number | null;
  /** Nothing is sent before this (epoch ms): the receiver's `Retry-After`. */
  pausedUntil: number | null;
  /** While slowed down: the rate (messages per second) at `slowSince`, climbing back to `slowCeiling`. */
  slowRate: number | null;
  slowCeiling: number | null;
  slowSince: number | null;
  circuit: CircuitState;
  /** Open: when the next probe may go; half-open: when a probe whose outcome never came may be replaced. */
  probeAt: number | null;
  /** The first failed attempt since the last success (epoch ms); `null`: the last attempt succeeded. */
  failingSince: number | null;
}

/** The settings of the health policy (see docs/configuration.md). */
export interface HealthPolicy {
  /** How long a slowed-down target takes to climb from 0 back to its ceiling (ms). */
  throttleRecoveryMs: number;
  /** The circuit looks at the attempts of this window (ms). */
  circuitWindowMs: number;
  /** The fewest attempts in the window that can open the circuit. */
  circuitMinAttempts: number;
  /** The share of failed attempts in the window (percent) that opens the circuit. */
  circuitFailurePercent: number;
  /** An open circuit sends one probe this often (ms). */
  circuitProbeIntervalMs: number;
  /** An endpoint whose attempts have all failed for this long is disabled (ms). */
  disableAfterFailingMs: number;
}

/** A slowed-down target is never sent to slower than this (messages per second). */
export const MIN_SLOW_RATE = 1;
/** One slow-down per target this often at most: the answers to one burst are one signal, not fifty. */
export const SLOWDOWN_HOLD_MS = 1_000;

/** Status codes that slow a target down: it is overloaded (429), or a gateway in front of it is (502-504). */
export function isThrottlingStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** A target that was never written: closed, not paused, not slowed. */
export function healthyTarget(targetId: string, rate: number | null): TargetHealth {
  return {
    targetId,
    rate,
    pausedUntil: null,
    slowRate: null,
    slowCeiling: null,
    slowSince: null,
    circuit: 'closed',
    probeAt: null,
    failingSince: null,
  };
}

/** The rate (messages per second) at which the target may be sent to at `now`; `null`: no limit. */
export function effectiveRate(h: TargetHealth, now: number, recoveryMs: number): number | null {
  if (h.slowRate === null || h.slowCeiling === null || h.slowSince === null) return h.rate;
  const climbed = h.slowRate + (h.slowCeiling * Math.max(0, now - h.slowSince)) / recoveryMs;
  if (climbed >= h.slowCeiling) return h.rate;
  return h.rate === null ? climbed : Math.min(h.rate, climbed);
}

/**
 * The slow-down after a throttling answer at `now`: half the effective rate (at least
 * `MIN_SLOW_RATE`), climbing back to the ceiling. `observedRate`: the rate the target was being
 * sent at, the ceiling of a target without a configured rate. `null` when nothing changes: a
 * slow-down less than `SLOWDOWN_HOLD_MS` ago, or a rate already at the floor.
 */
export function slowDownRate(
  h: TargetHealth,
  now: number,
  observedRate: number,
  recoveryMs: number,
): { slowRate: number; slowCeiling: number } | null {
  if (h.slowSince !== null && now - h.slowSince < SLOWDOWN_HOLD_MS) return null;
  const current = effectiveRate(h, now, recoveryMs) ?? observedRate;
  const stillSlowed = h.slowCeiling !== null && effectiveRate(h, now, recoveryMs) !== h.rate;
  const slowCeiling = (stillSlowed ? h.slowCeiling : null) ?? h.rate ?? observedRate;
  const slowRate = Math.max(MIN_SLOW_RATE, current / 2);
  return slowRate < slowCeiling ? { slowRate, slowCeiling } : null;
}

/** Whether a closed circuit opens, given its recent attempts. */
export function shouldOpenCircuit(
  recent: { attempts: number; failures: number },
  policy: Pick<HealthPolicy, 'circuitMinAttempts' | 'circuitFailurePercent'>,
): boolean {
  return (
    recent.attempts >= policy.circuitMinAttempts &&
    recent.failures * 100 >= recent.attempts * policy.circuitFailurePercent
  );
}

const WINDOW_BUCKETS = 10;

/**
 * Attempts and failures over the last `windowMs`, in ten buckets (so the window slides in steps
 * of a tenth): constant memory whatever the rate.
 */
export class AttemptWindow {
  private readonly bucketMs: number;
  private readonly starts = new Array<number>(WINDOW_BUCKETS).fill(-Infinity);
  private readonly attempts = new Array<number>(WINDOW_BUCKETS).fill(0);
  private readonly failures = new Array<number>(WINDOW_BUCKETS).fill(0);

  constructor(private readonly windowMs: number) {
    this.bucketMs = Math.max(1, windowMs / WINDOW_BUCKETS);
  }

  add(now: number, failed: boolean): void {
    const start = Math.floor(now / this.bucketMs) * this.bucketMs;
    const i = Math.floor(now / this.bucketMs) % WINDOW_BUCKETS;
    if (this.starts[i] !== start) {
      this.starts[i] = start;
      this.attempts[i] = 0;
      this.failures[i] = 0;
    }
    this.attempts[i]++;
    if (failed) this.failures[i]++;
  }

  /** The counts of the buckets that started within the window before `now`. */
  counts(now: number): { attempts: number; failures: number } {
    let attempts = 0;
    let failures = 0;
    for (let i = 0; i < WINDOW_BUCKETS; i++) {
      if (this.starts[i] > now - this.windowMs) {
        attempts += this.attempts[i];
        failures += this.failures[i];
      }
    }
    return { attempts, failures };
  }

  /** Attempts per second over the window. */
  rate(now: number): number {
    return this.counts(now).attempts / (this.windowMs / 1000);
  }

  clear(): void {
    this.starts.fill(-Infinity);
  }
}
