import type { Logger } from 'pino';
import { MAX_RETRY_AFTER_MS } from '../core/retry.js';
import {
  AttemptWindow,
  effectiveRate,
  type HealthPolicy,
  healthyTarget,
  isThrottlingStatus,
  shouldOpenCircuit,
  slowDownRate,
  type TargetHealth,
} from '../core/target-health.js';
import type { Config } from '../config/config.js';
import type { ClaimedDelivery, DeliveryOutcome, HeldSlot, TargetHealthStore } from '../store/store.js';

/** A target's health read from the store is used this long before it is read again (ms). */
const HEALTH_CACHE_MS = 1_000;
/** A held slot this close ahead counts as come (ms): a timer may fire a little early. */
const SLOT_EARLY_MS = 2;
/**
 * A held slot more than this past (ms) is given up, and its delivery reserves a new one: after a
 * stall (a busy event loop, a slow database), the sends that missed their slots do not all go at
 * once. The burst a receiver may see is thus at most this long's worth of slots: in any second,
 * at most `rate × (1 + LATE_SLOT_MS / 1000) + 1` sends. Not shorter: a slot given up is lost to
 * the budget, and on a loaded machine (measured at a load average of 20 on 2 cores) a claim
 * routinely comes 100-400 ms after its slot; at 100 ms, 50/s fell to 31/s there.
 */
const LATE_SLOT_MS = 500;
/**
 * A delivery whose slot is at most this far ahead (ms) is kept in the process until then, leased,
 * rather than given back to the queue: one claim per slot is what bounded the rate (issue 11: a
 * claim on PostgreSQL waits its turn under one advisory lock, and 50/s over two processes reached
 * 24.6-31/s). Never more than a quarter of the lease margin (`HOOKD_LEASE_MARGIN_MS`, 10 s by
 * default): the wait, a timer up to LATE_SLOT_MS late and the request's timeout then fit the
 * lease taken at the claim, so no other worker claims a delivery that waits here.
 */
const KEEP_WITHIN_MS = 1_000;
/**
 * The share of the engine's places that deliveries waiting for their slot may hold (a quarter,
 * as an application's share of the default engine); the rest go back to the queue. So rated
 * targets cannot fill the engine with waiting deliveries while other endpoints' work is due.
 */
const KEPT_SHARE = 4;
/** How often held slots whose delivery never came back are swept, and how old they must be (ms). */
const SWEEP_EVERY_MS = 60_000;
const SWEEP_AGE_MS = 10 * 60_000;
/** When the store cannot be asked, deliveries are given back for this long (ms) rather than sent unchecked. */
const STORE_TROUBLE_DELAY_MS = 1_000;
/** Per-process maps over this many targets are pruned of the idle ones. */
const MAX_TRACKED_TARGETS = 10_000;

/**
 * What the gate lets through now, what goes back to the queue due later (without an attempt), and
 * what waits in this process for a slot near at hand: the engine keeps those (their lease and
 * their place) and admits them again at `slotAt`, when the gate re-checks them.
 */
export interface Admission {
  go: ClaimedDelivery[];
  postponed: { id: string; dueAt: number }[];
  waiting: { claimed: ClaimedDelivery; slotAt: number }[];
}

/** What the gate needs of the configuration: its policy, and what bounds keeping deliveries at their slot. */
export type GatePolicy = HealthPolicy & Pick<Config, 'leaseMarginMs' | 'workerConcurrency'>;

/** A slot reserved for a delivery that waits for it in this process. */
interface KeptSlot {
  targetId: string;
  slotAt: number;
  /** When it was reserved: a slow-down since then drops it, as it drops the slots held in the store. */
  reservedAt: number;
  /** The delivery waits in the process until then at most, over every slot it is given (its lease). */
  keepUntil: number;
}

/** The endpoint or destination a delivery goes to. */
export function targetOf(claimed: ClaimedDelivery): { id: string; kind: 'endpoint' | 'destination' } {
  return claimed.kind === 'message'
    ? { id: claimed.endpoint.id, kind: 'endpoint' }
    : { id: claimed.destination.id, kind: 'destination' };
}

interface Cached {
  health: TargetHealth;
  readAt: number;
}

/**
 * The engine's gate to endpoints and destinations: before an attempt, whether it may go now
 * (`admit`: the rate budget, a Retry-After pause, the circuit); after it, what it says about the
 * target (`settle`: slow down, open or close the circuit, run or stop the failure clock, disable
 * an endpoint that only failed for `disableAfterFailingMs`). The state lives in the store
 * (`TargetHealthStore`), so every worker process obeys one budget and one circuit; this process
 * keeps a copy of each target's row for `HEALTH_CACHE_MS`, and a healthy target without a rate
 * costs no query beyond that read (a batch to such targets is admitted without an await).
 *
 * The circuit's failure ratio is counted per process (its own recent attempts), and its state is
 * shared: a process that sees mostly failures opens it for all. Per process on purpose: every
 * process samples the same target's outcomes, and a shared count would cost a store write per
 * attempt (measured in docs/ARCHITECTURE.md, "The gate").
 */
export class DeliveryGate {
  private readonly cache = new Map<string, Cached>();
  private readonly windows = new Map<string, AttemptWindow>();
  /** Deliveries sent as their open circuit's probe. */
  private readonly probes = new Set<string>();
  /** Deliveries waiting in this process for their slot (the engine holds them), by delivery id. */
  private readonly kept = new Map<string, KeptSlot>();
  private readonly keepWithinMs: number;
  private readonly maxKept: number;
  private lastSweep = 0;

  constructor(
    private readonly health: TargetHealthStore,
    private readonly policy: GatePolicy,
    private readonly log: Logger,
  ) {
    this.keepWithinMs = Math.min(KEEP_WITHIN_MS, policy.leaseMarginMs / 4);
    this.maxKept = Math.max(1, Math.floor(policy.workerConcurrency / KEPT_SHARE));
  }

  /**
   * Splits claimed deliveries into those that go now, those that wait in the process for a slot
   * near at hand, and those given back due at their slot, the pause's end or the circuit's next
   * probe. A delivery that waited comes back here at its slot and is checked again (a pause, an
   * open circuit, a slow-down since its slot was reserved, a slot missed by more than
   * LATE_SLOT_MS). Never rejects: when the store cannot be asked, the deliveries are given back for
   * a second.
   */
  admit(claimed: ClaimedDelivery[], now: number): Admission | Promise<Admission> {
    const kept = this.kept.size > 0 ? this.takeKept(claimed) : null;
    const stale = new Map<string, 'endpoint' | 'destination'>();
    let clear = true;
    for (const item of claimed) {
      const target = targetOf(item);
      const cached = this.cache.get(target.id);
      if (!cached || cached.readAt <= now - HEALTH_CACHE_MS) {
        stale.set(target.id, target.kind);
        clear = false;
      } else if (clear && !this.isClear(cached.health, now)) clear = false;
    }
    if (clear) return { go: claimed, postponed: [], waiting: [] };
    return this.admitChecked(claimed, stale, kept, now).catch((error: Error) => {
      this.log.error({ err: error.message }, 'endpoint health not read: deliveries given back');
      for (const c of claimed) this.kept.delete(c.delivery.id); // any set waiting before the failure
      return {
        go: [],
        postponed: claimed.map((c) => ({ id: c.delivery.id, dueAt: now + STORE_TROUBLE_DELAY_MS })),
        waiting: [],
      };
    });
  }

  /**
   * Deliveries that waited for their slot and will not be sent here (the engine stops): each goes
   * back to the queue due at its slot, which is held in the store for whichever worker claims it
   * then. Never rejects: a slot that cannot be held is lost, and its delivery reserves a new one.
   */
  async giveBack(deliveryIds: readonly string[], now: number): Promise<{ id: string; dueAt: number }[]> {
    const held: HeldSlot[] = [];
    const given: { id: string; dueAt: number }[] = [];
    for (const deliveryId of deliveryIds) {
      const slot = this.kept.get(deliveryId);
      this.kept.delete(deliveryId);
      if (slot) held.push({ deliveryId, targetId: slot.targetId, slotAt: slot.slotAt });
      given.push({ id: deliveryId, dueAt: Math.ceil(slot?.slotAt ?? now) });
    }
    await this.health.holdSlots(held).catch((error: Error) => {
      this.log.error({ err: error.message }, 'send slots not held: their deliveries will reserve new ones');
    });
    return given;
  }

  /** Removes and returns the slots of those deliveries that waited for one in this process. */
  private takeKept(claimed: ClaimedDelivery[]): Map<string, KeptSlot> | null {
    let kept: Map<string, KeptSlot> | null = null;
    for (const { delivery } of claimed) {
      const slot = this.kept.get(delivery.id);
      if (!slot) continue;
      this.kept.delete(delivery.id);
      kept ??= new Map();
      kept.set(delivery.id, slot);
    }
    return kept;
  }

  /**
   * What an attempt's outcome says about its target, written to the store in the background; the
   * outcome itself, or the same outcome ending the delivery and disabling the endpoint when every
   * attempt to it has failed for `disableAfterFailingMs` (counted from its last change at the latest).
   */
  settle(
    claimed: ClaimedDelivery,
    response: { statusCode: number; retryAfterSeconds: number | null } | null,
    decided: DeliveryOutcome,
    now: number,
  ): DeliveryOutcome {
    const target = targetOf(claimed);
    const h = this.cache.get(target.id)?.health ?? healthyTarget(target.id, null);
    const success = decided.attempt.status === 'success';
    const status = response?.statusCode ?? 0;
    const window = this.windowOf(target.id);
    // A 429 is a live receiver asking for less: the slow-down's business, not the circuit's.
    window.add(now, !success && status !== 429);
    this.settleCircuit(target, h, success, this.probes.delete(claimed.delivery.id), window, now);
    if (isThrottlingStatus(status)) this.slowDown(target.id, h, response?.retryAfterSeconds ?? null, window, now);
    if (success) {
      if (h.failingSince !== null) {
        h.failingSince = null;
        this.write(this.health.markHealthy(target.id, now));
      }
      return decided;
    }
    if (h.failingSince === null) {
      h.failingSince = now;
      this.write(
        this.health.markFailing(target.id, now).then((since) => {
          h.failingSince = since;
        }),
      );
      return decided;
    }
    if (claimed.kind !== 'message' || decided.disableEndpoint) return decided;
    const failingFor = now - Math.max(h.failingSince, claimed.endpoint.updatedAt);
    if (failingFor < this.policy.disableAfterFailingMs) return decided;
    return { ...decided, status: 'fail', nextAttemptAt: null, disableEndpoint: true, failingSince: h.failingSince };
  }

  /** Healthy, no rate, not paused, circuit closed: nothing to ask the store. */
  private isClear(h: TargetHealth, now: number): boolean {
    return (
      h.circuit === 'closed' &&
      (h.pausedUntil === null || h.pausedUntil <= now) &&
      effectiveRate(h, now, this.policy.throttleRecoveryMs) === null
    );
  }

  private async admitChecked(
    claimed: ClaimedDelivery[],
    stale: Map<string, 'endpoint' | 'destination'>,
    kept: Map<string, KeptSlot> | null,
    now: number,
  ): Promise<Admission> {
    if (stale.size > 0) await this.refresh(stale, now);
    this.sweep(now);
    const byTarget = new Map<string, ClaimedDelivery[]>();
    for (const item of claimed) {
      const id = targetOf(item).id;
      const list = byTarget.get(id);
      if (list) list.push(item);
      else byTarget.set(id, [item]);
    }
    const admission: Admission = { go: [], postponed: [], waiting: [] };
    const held: HeldSlot[] = [];
    const rated: { targetId: string; items: ClaimedDelivery[]; intervalMs: number }[] = [];
    for (const [targetId, items] of byTarget) {
      const h = this.cache.get(targetId)?.health ?? healthyTarget(targetId, null);
      if (h.circuit !== 'closed') {
        await this.admitThroughCircuit(targetId, h, items, admission, now);
        continue;
      }
      const rate = effectiveRate(h, now, this.policy.throttleRecoveryMs);
      if (rate !== null) rated.push({ targetId, items, intervalMs: 1000 / rate });
      else if (h.pausedUntil !== null && h.pausedUntil > now) {
        // As for an open circuit (admitThroughCircuit): the rest of the queue waits for the pause's end too.
        await this.health.holdQueue(targetId, now);
        postponeAll(admission, items, h.pausedUntil);
      } else admission.go.push(...items);
    }
    if (rated.length > 0) {
      // Deliveries that come back at their slot take it (held here or in the store); the others
      // reserve new ones, one statement per target for its whole batch. A slot is given up when
      // missed by more than LATE_SLOT_MS, and one kept here also when the target was slowed down
      // or paused since it was reserved (the store drops its held slots then).
      const taken = new Map<string, number>();
      const fromStore: string[] = [];
      for (const { items } of rated) {
        for (const { delivery } of items) {
          if (!kept?.has(delivery.id)) fromStore.push(delivery.id);
        }
      }
      for (const s of await this.health.takeSlots(fromStore)) {
        if (s.slotAt >= now - LATE_SLOT_MS) taken.set(s.deliveryId, s.slotAt);
      }
      for (const { targetId, items, intervalMs } of rated) {
        const h = this.cache.get(targetId)?.health;
        for (const { delivery } of items) {
          const slot = kept?.get(delivery.id);
          if (slot && slot.slotAt >= now - LATE_SLOT_MS && !(h && slowedSince(h, slot))) {
            taken.set(delivery.id, slot.slotAt);
          }
        }
        // Slots near at hand that their deliveries have not come back for (still queued behind
        // older due work) go to these first, rather than being lost past LATE_SLOT_MS.
        const others = items.filter((c) => !taken.has(c.delivery.id));
        const orphans =
          others.length > 0
            ? await this.health.takeTargetSlots(targetId, now - LATE_SLOT_MS, now + this.keepWithinMs, others.length)
            : [];
        for (const [i, slotAt] of orphans.entries()) taken.set(others[i].delivery.id, slotAt);
        const fresh = others.slice(orphans.length);
        const first = fresh.length > 0 ? await this.health.reserve(targetId, intervalMs, fresh.length, now) : 0;
        const slots = new Map(fresh.map((c, i) => [c.delivery.id, first + i * intervalMs]));
        for (const item of items) {
          const id = item.delivery.id;
          const slotAt = taken.get(id) ?? slots.get(id)!;
          if (slotAt <= now + SLOT_EARLY_MS) {
            admission.go.push(item);
            continue;
          }
          // Near at hand: wait here, unless waiting deliveries hold their share of the engine.
          const keepUntil = kept?.get(id)?.keepUntil ?? now + this.keepWithinMs;
          if (slotAt <= keepUntil && this.kept.size < this.maxKept) {
            const reservedAt = slots.has(id) ? now : (kept?.get(id)?.reservedAt ?? now);
            this.kept.set(id, { targetId, slotAt, reservedAt, keepUntil });
            admission.waiting.push({ claimed: item, slotAt });
            continue;
          }
          held.push({ deliveryId: id, targetId, slotAt });
          admission.postponed.push({ id, dueAt: Math.ceil(slotAt) });
        }
      }
      await this.health.holdSlots(held);
    }
    return admission;
  }

  /** Open: nothing before the probe time, then one delivery as the probe (one worker wins it). */
  private async admitThroughCircuit(
    targetId: string,
    h: TargetHealth,
    items: ClaimedDelivery[],
    admission: Admission,
    now: number,
  ): Promise<void> {
    const nextProbeAt = now + this.policy.circuitProbeIntervalMs;
    // While it is open, the rest of the target's queue waits for the probe too, at every admission
    // (`holdQueue`: what arrived since the last one): else claims leased its due deliveries a
    // batch at a time and this gave each batch back (a postponement, a signal, a claim again that
    // read the whole due backlog). Behind a destination that refused connections, `/in` fell from
    // ~25k to ~4.6k requests/s (216 µs of main thread each); with this, ~14.5k.
    if (h.probeAt !== null && h.probeAt > now) {
      await this.health.holdQueue(targetId, now);
      return postponeAll(admission, items, h.probeAt);
    }
    if (await this.health.takeProbe(targetId, nextProbeAt, now)) {
      h.circuit = 'half-open';
      h.probeAt = nextProbeAt;
      const [probe, ...rest] = items;
      this.probes.add(probe.delivery.id);
      admission.go.push(probe);
      await this.health.holdQueue(targetId, now);
      return postponeAll(admission, rest, nextProbeAt);
    }
    // Another worker took the probe, or closed the circuit: look again soon.
    this.cache.delete(targetId);
    postponeAll(admission, items, now + Math.min(HEALTH_CACHE_MS, this.policy.circuitProbeIntervalMs));
  }

  private settleCircuit(
    target: { id: string; kind: 'endpoint' | 'destination' },
    h: TargetHealth,
    success: boolean,
    wasProbe: boolean,
    window: AttemptWindow,
    now: number,
  ): void {
    const open = () => {
      h.circuit = 'open';
      h.probeAt = now + this.policy.circuitProbeIntervalMs;
      this.write(this.health.setCircuit(target.id, 'open', h.probeAt, now));
    };
    if (success && h.circuit !== 'closed') {
      // The probe (or an attempt that was in flight when the circuit opened) got through: what
      // waited for the next probe is due now (any probe time set so far is at most an interval on).
      h.circuit = 'closed';
      h.probeAt = null;
      window.clear();
      this.write(this.health.closeCircuit(target, now + this.policy.circuitProbeIntervalMs, now));
    } else if (!success && wasProbe) open();
    else if (!success && h.circuit === 'closed' && shouldOpenCircuit(window.counts(now), this.policy)) open();
  }

  private slowDown(
    targetId: string,
    h: TargetHealth,
    retryAfterSeconds: number | null,
    window: AttemptWindow,
    now: number,
  ): void {
    const rate = slowDownRate(h, now, window.rate(now), this.policy.throttleRecoveryMs);
    const pausedUntil =
      retryAfterSeconds !== null && retryAfterSeconds > 0
        ? now + Math.min(retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS)
        : null;
    if (rate === null && pausedUntil === null) return;
    if (rate !== null) Object.assign(h, { slowRate: rate.slowRate, slowCeiling: rate.slowCeiling, slowSince: now });
    if (pausedUntil !== null && (h.pausedUntil === null || pausedUntil > h.pausedUntil)) h.pausedUntil = pausedUntil;
    this.write(
      this.health.slowDown(
        targetId,
        { slowRate: rate?.slowRate ?? null, slowCeiling: rate?.slowCeiling ?? null, pausedUntil },
        now,
      ),
    );
  }

  private async refresh(stale: Map<string, 'endpoint' | 'destination'>, now: number): Promise<void> {
    const ids = [...stale.keys()];
    const read = await this.health.read(
      ids.filter((id) => stale.get(id) === 'endpoint'),
      ids.filter((id) => stale.get(id) === 'destination'),
    );
    if (this.cache.size > MAX_TRACKED_TARGETS) {
      for (const [id, c] of this.cache) if (c.readAt < now - 60_000) this.cache.delete(id);
    }
    // A target deleted meanwhile is not read: healthy (its deliveries are gone too).
    for (const id of ids) this.cache.set(id, { health: healthyTarget(id, null), readAt: now });
    for (const h of read) this.cache.set(h.targetId, { health: h, readAt: now });
  }

  private windowOf(targetId: string): AttemptWindow {
    let window = this.windows.get(targetId);
    if (!window) {
      if (this.windows.size > MAX_TRACKED_TARGETS) this.windows.clear();
      window = new AttemptWindow(this.policy.circuitWindowMs);
      this.windows.set(targetId, window);
    }
    return window;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    this.write(this.health.sweepSlots(now - SWEEP_AGE_MS));
  }

  /** A background write: its failure is logged; the state converges at the next outcome or read. */
  private write(done: Promise<unknown>): void {
    done.catch((error: Error) => this.log.error({ err: error.message }, 'endpoint health not written'));
  }
}

/** Slowed down or paused since the slot was reserved: the slot was of the old pace, or falls in the pause. */
function slowedSince(h: TargetHealth, slot: KeptSlot): boolean {
  return (
    (h.slowSince !== null && h.slowSince >= slot.reservedAt) || (h.pausedUntil !== null && h.pausedUntil > slot.slotAt)
  );
}

function postponeAll(admission: Admission, items: ClaimedDelivery[], dueAt: number): void {
  for (const item of items) admission.postponed.push({ id: item.delivery.id, dueAt: Math.ceil(dueAt) });
}
