/**
 * Fair shares of the delivery engine across applications and endpoints (and destinations): the
 * one policy that both backends' claims and creation-time hand-offs apply, as plain functions over
 * rows they read.
 *
 * - A target (an endpoint, or a destination for kind `event`) has at most `limit` live leases at
 *   once: its `maxConcurrency`, else the store's default (`HOOKD_ENDPOINT_CONCURRENCY`, 16). Live
 *   leases are counted in the store (deliveries `sending` whose lease has not ended), so the
 *   limit holds across processes; an expired lease does not count (its delivery is due again).
 * - An application's endpoints together have at most `HOOKD_APPLICATION_CONCURRENCY` (64) live
 *   leases, counted the same way: many stalled endpoints of one application, each under its own
 *   limit, cannot fill the engine. A destination belongs to no application (nothing plays that
 *   part on the receive side): only its own limit holds it.
 * - A claim takes rank 1 of every application before rank 2, and within an application rank 1 of
 *   every target before rank 2 (the oldest due delivery of each target, then the second oldest,
 *   ...), oldest first within a rank; so an application or a target with a deep backlog or slow
 *   requests takes at most its share, and every other one's deliveries keep flowing.
 * - An ordered endpoint's scheduled delivery may start only when it is the endpoint's head: no
 *   scheduled delivery of an earlier message to that endpoint is still pending or sending. Manual
 *   resends are not ordered (and do not hold up others).
 * - Hand-offs skip the claim within those rules: at creation (`mayHandOff`) and at record
 *   (`refillsAtRecord`: a target's ended lease passes to its next due delivery).
 */

/**
 * Live leases per target id (endpoint, or destination for kind `event`) and per application id:
 * one map, as the ids' prefixes (`ep_`, `dst_`, `app_`) keep them apart.
 */
export type LiveLeases = Map<string, number>;

/** The store's limits on live leases (config `endpointConcurrency`, `applicationConcurrency`). */
export interface FairLimits {
  /** Per endpoint or destination, unless the endpoint sets its own `maxConcurrency`. */
  endpoint: number;
  /** Per application, over all of its endpoints. */
  application: number;
  /**
   * Told after each claim how many index entries its windows examined (FairClaim.rowsRead): a
   * count that the claim's plans bound (each statement a range of an index, with a LIMIT), for
   * the tests and the bench that show a claim does not read a held-back backlog.
   */
  observeClaimReads?: (rows: number) => void;
}

/**
 * The defaults: 16 per endpoint, and 64 per application, a quarter of the default engine
 * (`HOOKD_WORKER_CONCURRENCY`, 256): one application's stalled endpoints leave three quarters of
 * the engine to the others, and still four endpoints at their own limit fit in its share.
 */
export const DEFAULT_FAIR_LIMITS: FairLimits = { endpoint: 16, application: 64 };

/** An application's share, as a delivery's candidate or hand-off carries it. */
export interface ApplicationShare {
  id: string;
  limit: number;
}

/** A due delivery as the fair-share policy sees it. */
export interface FairCandidate {
  id: string;
  /** Its endpoint id, or destination id for kind `event`. */
  target: string;
  /** The target's limit on live leases. */
  limit: number;
  /** Its endpoint's application, or null (a destination). */
  application: ApplicationShare | null;
  /** `false` for a scheduled delivery of an ordered endpoint that is not the endpoint's head. */
  startable: boolean;
}

/**
 * The candidates to lease (given in due order, oldest first), at most `take` of them, each target
 * up to its limit and each application up to its own, less their live leases (`live`, which this
 * updates with what it picks). In claim order: by rank in the application (rank 1 of every
 * application first), where an application's candidates are ranked by their rank in their target
 * and then due order; a candidate without an application is ranked by its target alone.
 */
export function pickFair<C extends FairCandidate>(candidates: readonly C[], live: LiveLeases, take: number): C[] {
  const byTarget: { candidate: C; rank: number }[] = [];
  const taken = new Map<string, number>();
  for (const candidate of candidates) {
    const rank = (taken.get(candidate.target) ?? 0) + 1;
    if (!candidate.startable || (live.get(candidate.target) ?? 0) + rank > candidate.limit) continue;
    taken.set(candidate.target, rank);
    byTarget.push({ candidate, rank });
  }
  // Stable: within a rank, due order stays.
  byTarget.sort((a, b) => a.rank - b.rank);
  const ranked: { candidate: C; rank: number }[] = [];
  const takenByApp = new Map<string, number>();
  for (const { candidate, rank } of byTarget) {
    const app = candidate.application;
    if (app === null) {
      ranked.push({ candidate, rank });
      continue;
    }
    const appRank = (takenByApp.get(app.id) ?? 0) + 1;
    if ((live.get(app.id) ?? 0) + appRank > app.limit) continue;
    takenByApp.set(app.id, appRank);
    ranked.push({ candidate, rank: appRank });
  }
  ranked.sort((a, b) => a.rank - b.rank);
  const picked = ranked.slice(0, take).map((r) => r.candidate);
  for (const c of picked) count(live, c.target, c.application);
  return picked;
}

/** Adds one live lease to the target and its application. */
function count(live: LiveLeases, target: string, application: ApplicationShare | null): void {
  live.set(target, (live.get(target) ?? 0) + 1);
  if (application !== null) live.set(application.id, (live.get(application.id) ?? 0) + 1);
}

/**
 * Whether a new delivery to `target` may be leased at creation (the hand-off), given the live
 * leases (which this updates when it says yes): under the target's limit and its application's
 * (null: a destination). An ordered endpoint's deliveries are never handed off: two batches
 * written at once could each see no earlier open delivery; a claim decides.
 */
export function mayHandOff(
  live: LiveLeases,
  target: string,
  limit: number,
  application: ApplicationShare | null,
  ordered: boolean,
): boolean {
  if (ordered || atLimit(live, target, limit, application)) return false;
  count(live, target, application);
  return true;
}

/** Whether `target` or its application (null: a destination) has no live lease left under its limit. */
export function atLimit(
  live: LiveLeases,
  target: string,
  limit: number,
  application: ApplicationShare | null,
): boolean {
  return (
    (live.get(target) ?? 0) >= limit || (application !== null && (live.get(application.id) ?? 0) >= application.limit)
  );
}

/** A target whose live leases a record ends, as the hand-off at record sees it. */
export interface FreedTarget {
  /** Its endpoint id, or destination id for kind `event`. */
  target: string;
  /** The target's limit on live leases. */
  limit: number;
  /** Its endpoint's application, or null (a destination). */
  application: ApplicationShare | null;
  /** Live leases of the target that the record ends: its outcomes settled while leased to the worker. */
  ended: number;
  /** False for an ordered endpoint, and a target that is disabled (or that the record disables): a claim decides. */
  refillable: boolean;
}

/**
 * How many due deliveries of each target a record may lease to the worker in the place of the
 * leases it ends (the hand-off at record), given the live leases before the record (`live`, with
 * the ended ones). At most one per lease ended, so no target's, application's or worker's live
 * leases grow: a claim of any process that counted them before the record still counts right,
 * and the crash bound holds. Then the claim's own rules: within the target's limit (after the
 * ended leases) and only for an unordered target that is not disabled. And only when the
 * application had room before the record: an application at its limit may hold back its other
 * endpoints' due deliveries, and then a claim, in rank order, decides which of them the freed
 * place goes to; a target's own place contests nobody but its own deliveries, oldest due first,
 * which is what a hand-off takes. (The engine asks for hand-offs only while no claim waits for
 * its places: delivery/engine.ts.)
 */
export function refillsAtRecord(freed: readonly FreedTarget[], live: LiveLeases): Map<string, number> {
  const refills = new Map<string, number>();
  for (const f of freed) {
    if (!f.refillable || f.ended <= 0) continue;
    if (f.application !== null && (live.get(f.application.id) ?? 0) >= f.application.limit) continue;
    const others = (live.get(f.target) ?? 0) - f.ended;
    const n = Math.min(f.ended, f.limit - others);
    if (n > 0) refills.set(f.target, n);
  }
  return refills;
}

/** A due delivery in a claim's window, as both backends read it. */
export interface WindowRow {
  id: string;
  /** Its endpoint id, or destination id for kind `event`. */
  target: string;
  /** Its application (null for kind `event`). */
  app_id: string | null;
  msg_id: string | null;
  trigger: number;
  /** When it is due: `next_attempt_at` (the windows' order, with the id). */
  due: number;
  /** The endpoint's `max_concurrency` (null for a destination, or none set). */
  lim: number | null;
  ordered: boolean | number | null;
  disabled: boolean | number | null;
}

/** Passes over the queue per claim: each leaves out the targets that the earlier ones saw. */
export const MAX_CLAIM_PASSES = 4;

/**
 * One claim's decisions, built over one or more windows of due deliveries, each read leaving out
 * `skip`: the targets and applications at their limit, then the targets that earlier windows saw
 * and the applications that filled up. With the expired leases (at most `windowSize`, oldest
 * first: a dead worker's, at most its concurrency), a window is read in one of two ways, so that
 * its cost never grows with the due backlog of the targets it leaves out:
 *
 * - By due time (`windowFromScan`): the first `scanSize` entries of the due index, whoever's they
 *   are, less those left out. Enough when they hold `windowSize` rows not left out, or are all
 *   that is due: the usual case, whose cost does not depend on how many targets have work.
 * - Else (a held-back backlog crowds the front of the due index) target by target: the targets
 *   with pending work are walked in `deliveries_due_target` one seek each, however deep their
 *   backlog; of those with due work that are not left out, oldest due first, at most `windowSize`,
 *   the first `rowsPerTarget` due rows of each. Its cost grows with the number of targets that
 *   have pending work (one index seek each), never with their rows.
 */
export class FairClaim {
  /** The ids to lease, in claim order. */
  readonly lease: string[] = [];
  /** Due deliveries whose endpoint (destination) is disabled: canceled instead of sent. */
  readonly cancel: string[] = [];
  readonly skip: Set<string>;
  /** Index entries the windows examined so far (`FairLimits.observeClaimReads`). */
  rowsRead = 0;
  private passes = 0;

  constructor(
    private readonly live: LiveLeases,
    full: Iterable<string>,
    private readonly limit: number,
    private readonly limits: FairLimits,
  ) {
    this.skip = new Set(full);
  }

  /** How many rows not left out (targets, in a window read target by target) a window reads at most. */
  get windowSize(): number {
    return Math.max(2 * this.limit, 64);
  }

  /** How many entries of the due index a window by due time reads at most. */
  get scanSize(): number {
    return 2 * this.windowSize;
  }

  /**
   * The window by due time, from `pending` (the first `scanSize` entries of the due index, in due
   * order) and `expired` (the expired leases not left out, at most `windowSize`); null when the
   * rows left out crowd the scan (it is full, and holds fewer than `windowSize` others): then
   * read the window target by target.
   */
  windowFromScan<R extends WindowRow>(pending: readonly R[], expired: readonly R[]): WindowRead<R> | null {
    this.rowsRead += pending.length + expired.length;
    const kept = pending.filter((r) => !this.skip.has(r.target) && !(r.app_id !== null && this.skip.has(r.app_id)));
    const scannedAll = pending.length < this.scanSize;
    if (!scannedAll && kept.length < this.windowSize) return null;
    return {
      rows: inDueOrder([...kept.slice(0, this.windowSize), ...expired]),
      complete: scannedAll && kept.length < this.windowSize && expired.length < this.windowSize,
    };
  }

  /**
   * The window target by target: `found` targets with due work (at most `windowSize`), whose
   * first due rows are `rows`, after a walk of `stepped` targets with pending work; `expired` as
   * for `windowFromScan`.
   */
  windowByTarget<R extends WindowRow>(
    found: number,
    stepped: number,
    rows: readonly R[],
    expired: readonly R[],
  ): WindowRead<R> {
    this.rowsRead += stepped + rows.length + expired.length;
    return {
      rows: inDueOrder([...rows, ...expired]),
      complete: found < this.windowSize && expired.length < this.windowSize,
    };
  }

  /**
   * How many due rows a window reads of one of the `found` targets, whose own limit is `lim`
   * (null: the default): when there are at least as many targets as the claim takes, rank 1 of
   * each fills it; else up to its limit (no more can be leased), and no more than the claim takes.
   */
  rowsPerTarget(found: number, lim: number | null): number {
    return found >= this.limit ? 1 : Math.min(lim ?? this.limits.endpoint, this.limit);
  }

  /** Whether another window is worth reading. */
  get wantsMore(): boolean {
    return this.passes < MAX_CLAIM_PASSES && this.lease.length < this.limit;
  }

  /**
   * Takes what `rows` (one window, in due order) allow. `headOf(endpointId)`: an ordered
   * endpoint's head. After a complete window, nothing else is due: `wantsMore` turns false.
   *
   * An ordered endpoint's head is taken at the place of the endpoint's first row in the window,
   * even when the head itself is not in it: a retried head is due later than the messages behind
   * it, which would fill the window and hide it.
   */
  consider({ rows, complete }: WindowRead<WindowRow>, headOf: (endpointId: string) => OrderedHead | null): void {
    this.passes = complete ? MAX_CLAIM_PASSES : this.passes + 1;
    const candidates: FairCandidate[] = [];
    const headsTaken = new Set<string>();
    for (const row of rows) {
      this.skip.add(row.target);
      if (row.disabled) {
        this.cancel.push(row.id);
        continue;
      }
      const share = {
        target: row.target,
        limit: row.lim ?? this.limits.endpoint,
        application: row.app_id === null ? null : { id: row.app_id, limit: this.limits.application },
      };
      if (!row.ordered || row.trigger !== 0) {
        candidates.push({ id: row.id, ...share, startable: true });
        continue;
      }
      const head = headOf(row.target);
      if (head?.due && !headsTaken.has(row.target)) {
        headsTaken.add(row.target);
        candidates.push({ id: head.id, ...share, startable: true });
      }
      // What follows the head waits for it (and marks the endpoint as having work left).
      if (head?.id !== row.id) candidates.push({ id: row.id, ...share, startable: false });
    }
    this.lease.push(...pickFair(candidates, this.live, this.limit - this.lease.length).map((c) => c.id));
    for (const c of candidates) {
      if (c.application !== null && (this.live.get(c.application.id) ?? 0) >= c.application.limit) {
        this.skip.add(c.application.id);
      }
    }
  }
}

/** A window's rows in due order, and whether nothing else is due (no further window is worth reading). */
export interface WindowRead<R extends WindowRow> {
  rows: R[];
  complete: boolean;
}

/** By due time, then id (the due index's order). */
function inDueOrder<R extends WindowRow>(rows: R[]): R[] {
  return rows.sort((a, b) => Number(a.due) - Number(b.due) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** An ordered endpoint's head: its oldest scheduled delivery not ended, and whether it is due now (not leased). */
export interface OrderedHead {
  id: string;
  due: boolean;
}

/** The limit of an endpoint or destination: its own, else the default. */
export function limitOf(target: { maxConcurrency?: number | null }, defaultLimit: number): number {
  return target.maxConcurrency ?? defaultLimit;
}

/** A live-lease count as both backends read it: one target's, with its limit and application. */
export interface LiveLeaseRow {
  target: string;
  app_id: string | null;
  n: number;
  lim: number | null;
}

/**
 * Live leases per target and per application, from the rows both backends read, and what a claim
 * leaves out (`full`): the targets at their limit and the applications at theirs (ids of both).
 */
export function tallyLiveLeases(
  rows: readonly LiveLeaseRow[],
  limits: FairLimits,
): { live: LiveLeases; full: string[] } {
  const live: LiveLeases = new Map();
  for (const row of rows) {
    live.set(row.target, Number(row.n));
    if (row.app_id !== null) live.set(row.app_id, (live.get(row.app_id) ?? 0) + Number(row.n));
  }
  const full = rows.filter((r) => Number(r.n) >= (r.lim ?? limits.endpoint)).map((r) => r.target);
  for (const r of rows) {
    if (r.app_id !== null && (live.get(r.app_id) ?? 0) >= limits.application && !full.includes(r.app_id)) {
      full.push(r.app_id);
    }
  }
  return { live, full };
}
