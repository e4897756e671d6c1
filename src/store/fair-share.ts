/**
 * Fair shares of the delivery engine across endpoints (and destinations): the one policy that both
 * backends' claims and creation-time hand-offs apply, as plain functions over rows they read.
 *
 * - A target (an endpoint, or a destination for kind `event`) has at most `limit` live leases at
 *   once: its `maxConcurrency`, else the store's default (`HOOKD_ENDPOINT_CONCURRENCY`, 16). Live
 *   leases are counted in the store (deliveries `sending` whose lease has not ended), so the
 *   limit holds across processes; an expired lease does not count (its delivery is due again).
 * - A claim takes rank 1 of every target before rank 2 (the oldest due delivery of each target,
 *   then the second oldest, ...), oldest first within a rank; so a target with a deep backlog
 *   or slow requests takes at most its share, and every other target's deliveries keep flowing.
 * - An ordered endpoint's scheduled delivery may start only when it is the endpoint's head: no
 *   scheduled delivery of an earlier message to that endpoint is still pending or sending. Manual
 *   resends are not ordered (and do not hold up others).
 */

/** Live leases per target id (endpoint, or destination for kind `event`). */
export type LiveLeases = Map<string, number>;

/** The default per-target concurrency limit (config `endpointConcurrency`). */
export const DEFAULT_ENDPOINT_CONCURRENCY = 16;

/** A due delivery as the fair-share policy sees it. */
export interface FairCandidate {
  id: string;
  /** Its endpoint id, or destination id for kind `event`. */
  target: string;
  /** The target's limit on live leases. */
  limit: number;
  /** `false` for a scheduled delivery of an ordered endpoint that is not the endpoint's head. */
  startable: boolean;
}

/**
 * The candidates to lease (given in due order, oldest first), at most `take` of them: rank 1 of
 * every target, then rank 2, ..., each target up to its limit minus its live leases (`live`, which
 * this updates with what it picks), in claim order.
 */
export function pickFair<C extends FairCandidate>(candidates: readonly C[], live: LiveLeases, take: number): C[] {
  const ranked: { candidate: C; rank: number }[] = [];
  const taken = new Map<string, number>();
  for (const candidate of candidates) {
    const rank = (taken.get(candidate.target) ?? 0) + 1;
    if (!candidate.startable || (live.get(candidate.target) ?? 0) + rank > candidate.limit) continue;
    taken.set(candidate.target, rank);
    ranked.push({ candidate, rank });
  }
  // Stable: within a rank, due order stays.
  ranked.sort((a, b) => a.rank - b.rank);
  const picked = ranked.slice(0, take).map((r) => r.candidate);
  for (const c of picked) live.set(c.target, (live.get(c.target) ?? 0) + 1);
  return picked;
}

/**
 * Whether a new delivery to `target` may be leased at creation (the hand-off), given the live
 * leases (which this updates when it says yes). An ordered endpoint's deliveries are never handed
 * off: two batches written at once could each see no earlier open delivery; a claim decides.
 */
export function mayHandOff(live: LiveLeases, target: string, limit: number, ordered: boolean): boolean {
  if (ordered) return false;
  const count = live.get(target) ?? 0;
  if (count >= limit) return false;
  live.set(target, count + 1);
  return true;
}

/** A due delivery in a claim's window, as both backends read it. */
export interface WindowRow {
  id: string;
  /** Its endpoint id, or destination id for kind `event`. */
  target: string;
  msg_id: string | null;
  trigger: number;
  /** The endpoint's `max_concurrency` (null for a destination, or none set). */
  lim: number | null;
  ordered: boolean | number | null;
  disabled: boolean | number | null;
}

/** Passes over the queue per claim: each leaves out the targets that the earlier ones saw. */
export const MAX_CLAIM_PASSES = 4;

/**
 * One claim's decisions, built over one or more windows of due deliveries (oldest first), each
 * read leaving out `skip`: the targets at their limit, then those that earlier windows saw. A
 * window that one busy target fills would otherwise hide every other target's deliveries.
 */
export class FairClaim {
  /** The ids to lease, in claim order. */
  readonly lease: string[] = [];
  /** Due deliveries whose endpoint (destination) is disabled: canceled instead of sent. */
  readonly cancel: string[] = [];
  readonly skip: Set<string>;
  private passes = 0;

  constructor(
    private readonly live: LiveLeases,
    full: Iterable<string>,
    private readonly limit: number,
    private readonly defaultLimit: number,
  ) {
    this.skip = new Set(full);
  }

  /** How many rows a window reads. */
  get windowSize(): number {
    return Math.max(2 * this.limit, 64);
  }

  /** Whether another window is worth reading. */
  get wantsMore(): boolean {
    return this.passes < MAX_CLAIM_PASSES && this.lease.length < this.limit;
  }

  /**
   * Takes what `rows` (one window, in due order) allow. `headOf(endpointId)`: an ordered
   * endpoint's head. After a window shorter than `windowSize`, nothing more is due: `wantsMore`
   * turns false.
   *
   * An ordered endpoint's head is taken at the place of the endpoint's first row in the window,
   * even when the head itself is not in it: a retried head is due later than the messages behind
   * it, which would fill the window and hide it.
   */
  consider(rows: readonly WindowRow[], headOf: (endpointId: string) => OrderedHead | null): void {
    this.passes = rows.length < this.windowSize ? MAX_CLAIM_PASSES : this.passes + 1;
    const candidates: FairCandidate[] = [];
    const headsTaken = new Set<string>();
    for (const row of rows) {
      this.skip.add(row.target);
      if (row.disabled) {
        this.cancel.push(row.id);
        continue;
      }
      const limit = row.lim ?? this.defaultLimit;
      if (!row.ordered || row.trigger !== 0) {
        candidates.push({ id: row.id, target: row.target, limit, startable: true });
        continue;
      }
      const head = headOf(row.target);
      if (head?.due && !headsTaken.has(row.target)) {
        headsTaken.add(row.target);
        candidates.push({ id: head.id, target: row.target, limit, startable: true });
      }
      // What follows the head waits for it (and marks the endpoint as having work left).
      if (head?.id !== row.id) candidates.push({ id: row.id, target: row.target, limit, startable: false });
    }
    this.lease.push(...pickFair(candidates, this.live, this.limit - this.lease.length).map((c) => c.id));
  }
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
