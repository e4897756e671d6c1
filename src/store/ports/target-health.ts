import type { TargetHealth } from '../../core/target-health.js';

/** A send slot held by a delivery that went back to the queue until then. */
export interface HeldSlot {
  deliveryId: string;
  targetId: string;
  /** Epoch ms. */
  slotAt: number;
}

/** What a slow-down writes: the new adaptive rate, and a pause when the receiver sent `Retry-After`. */
export interface SlowDown {
  /** Messages per second from `now`, climbing back to `slowCeiling`; `null`: the rate is left as it is. */
  slowRate: number | null;
  slowCeiling: number | null;
  /** Nothing is sent before this (epoch ms); `null`: no pause. A pause never shortens one already set. */
  pausedUntil: number | null;
}

/**
 * The health of delivery targets (endpoints and destinations, by id), kept where every worker
 * process sees it: the rate budget, the slow-down and pause after a throttling answer, the circuit
 * and the failure clock (see core/target-health.ts). Every write is one atomic statement, so
 * processes that write together each see a consistent row; the policy (when to open a circuit, how
 * far to slow down) is the caller's. Written once for both backends (crud/target-health.ts).
 */
export interface TargetHealthStore {
  /**
   * The health of each endpoint and destination that exists among the ids, with its configured
   * rate (an endpoint's `throttleRate`, else its application's; a destination's); a target never
   * written has the defaults (closed, no pause, nothing slowed).
   */
  read(endpointIds: readonly string[], destinationIds: readonly string[]): Promise<TargetHealth[]>;
  /**
   * Reserves `count` consecutive send slots `intervalMs` apart in the target's budget, the first
   * at the latest of `now`, the budget's next free slot and the pause's end; returns the first
   * (epoch ms). Atomic: two workers reserving at once get slots that do not overlap.
   */
  reserve(targetId: string, intervalMs: number, count: number, now: number): Promise<number>;
  /** Records slots held by deliveries given back to the queue until then. */
  holdSlots(slots: readonly HeldSlot[]): Promise<void>;
  /**
   * Takes up to `limit` slots held for the target from `from` to `until` (epoch ms), earliest
   * first, whichever deliveries hold them: a slot that its delivery has not come back for goes to
   * another rather than being lost (that delivery reserves a new one when it comes). Each slot is
   * returned to one caller only.
   */
  takeTargetSlots(targetId: string, from: number, until: number, limit: number): Promise<number[]>;
  /** Takes (removes and returns) the slots these deliveries hold; each is returned to one caller only. */
  takeSlots(deliveryIds: readonly string[]): Promise<HeldSlot[]>;
  /**
   * Slows the target down: sets the adaptive rate (`slowRate` from `now`), extends the pause,
   * moves the budget's next free slot to the pause's end, and drops the slots held at the old
   * pace (their deliveries reserve new ones when they come back).
   */
  slowDown(targetId: string, change: SlowDown, now: number): Promise<void>;
  /** Sets the circuit: `open` until `probeAt`, or `closed` (then `probeAt` is `null`). */
  setCircuit(targetId: string, circuit: 'open' | 'closed', probeAt: number | null, now: number): Promise<void>;
  /**
   * Closes the circuit (a probe got through) and makes due at `now` the target's pending
   * deliveries that were held back until its probe: those due after `now` and by `heldUntil`
   * (epoch ms; the latest probe time the circuit can have set). Signals `onWork` (and, on
   * PostgreSQL, the other processes) when it moved any; returns how many.
   */
  closeCircuit(
    target: { id: string; kind: 'endpoint' | 'destination' },
    heldUntil: number,
    now: number,
  ): Promise<number>;
  /**
   * While the target may not be sent to before a stored time ahead of `now` (its open or half-open
   * circuit's probe, its pause's end: the later), makes its pending deliveries due before that
   * time due at it: no claim reads them meanwhile; `closeCircuit` makes a circuit's due again. One
   * statement on the stored row, so that a process whose copy of it is stale (the circuit closed
   * since) holds nothing. Returns how many it moved.
   */
  holdQueue(targetId: string, now: number): Promise<number>;
  /**
   * Takes the probe of an open circuit whose probe time has come: the circuit becomes half-open
   * until `nextProbeAt` (when another probe may go if this one's outcome never came). `false`
   * when the circuit is not open and due (another worker took the probe, or it closed).
   */
  takeProbe(targetId: string, nextProbeAt: number, now: number): Promise<boolean>;
  /** Starts the failure clock unless it runs; returns when it started (epoch ms). */
  markFailing(targetId: string, now: number): Promise<number>;
  /** Stops the failure clock (an attempt succeeded). */
  markHealthy(targetId: string, now: number): Promise<void>;
  /** The circuit of every endpoint that has a health row, for `/metrics`. */
  endpointCircuits(): Promise<{ endpointId: string; circuit: TargetHealth['circuit'] }[]>;
  /** Deletes held slots older than `before` (their delivery never came back: deleted, or sent elsewhere). */
  sweepSlots(before: number): Promise<number>;
}
