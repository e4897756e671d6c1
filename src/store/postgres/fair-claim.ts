import {
  FairClaim,
  type FairLimits,
  type LiveLeaseRow,
  type LiveLeases,
  type OrderedHead,
  tallyLiveLeases,
  type WindowRow,
} from '../fair-share.js';
import type { PgQueries } from './database.js';

/**
 * The fair-share claim on PostgreSQL (store/fair-share.ts for the policy). Claims of every process
 * on one schema take turns under a transaction-scoped advisory lock, and each reads the live
 * leases after it holds the lock (a statement of its own: READ COMMITTED takes a snapshot per
 * statement), so two claims never both see room that only one of them may fill: the limit holds
 * across processes. Hand-offs at creation read the same counts, without the lock (see
 * `ClaimGate`).
 */

/**
 * Opens a claim's transaction and waits for the other processes' claims on this schema (the lock
 * is released at COMMIT or ROLLBACK): one round trip.
 */
export const BEGIN_CLAIM = `BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('hookd claims ' || current_schema(), 0))`;

/** Live leases per target (endpoint, or destination for kind `event`) with its application, from the lease index. */
const LIVE_LEASES = `SELECT COALESCE(d.endpoint_id, d.destination_id) AS target, max(d.app_id) AS app_id,
    count(*)::int AS n, max(e.max_concurrency) AS lim
  FROM deliveries d LEFT JOIN endpoints e ON e.id = d.endpoint_id
  WHERE d.status = 'sending' AND d.kind <> 'cli' AND d.lease_until > $1
  GROUP BY 1`;

/*
 * A window of due deliveries, oldest first, leaving out the targets at their limit or whose
 * application is at its limit (or seen by an earlier pass): each arm walks one partial index (pending by due time, sending by lease end) and
 * stops after `window` rows. With each target's limit, and each ordered endpoint's head (its
 * oldest scheduled delivery not ended: the first entry of deliveries_open for it), which may be
 * outside the window.
 */
export const WINDOW_SQL = `WITH c AS (
    (SELECT id, COALESCE(endpoint_id, destination_id) AS target, app_id, msg_id, trigger, next_attempt_at AS due
      FROM deliveries
      WHERE status = 'pending' AND kind <> 'cli' AND next_attempt_at <= $1
        AND COALESCE(endpoint_id, destination_id) <> ALL ($3::text[])
        AND COALESCE(app_id, '') <> ALL ($3::text[])
      ORDER BY next_attempt_at, id LIMIT $2)
    UNION ALL
    (SELECT id, COALESCE(endpoint_id, destination_id) AS target, app_id, msg_id, trigger, next_attempt_at AS due
      FROM deliveries
      WHERE status = 'sending' AND kind <> 'cli' AND lease_until <= $1
        AND COALESCE(endpoint_id, destination_id) <> ALL ($3::text[])
        AND COALESCE(app_id, '') <> ALL ($3::text[])
      ORDER BY lease_until LIMIT $2)
    ORDER BY due, id LIMIT $2
  ),
  heads AS (
    SELECT o.target, h.id AS head_id, h.due AS head_due
    FROM (SELECT DISTINCT c.target FROM c JOIN endpoints e ON e.id = c.target WHERE e.ordered) o
    CROSS JOIN LATERAL (SELECT id,
        (status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until <= $1) AS due
      FROM deliveries
      WHERE endpoint_id = o.target AND kind = 'message' AND trigger = 0 AND status IN ('pending', 'sending')
      ORDER BY msg_id LIMIT 1) h
  )
SELECT c.id, c.target, c.app_id, c.msg_id, c.trigger, e.max_concurrency AS lim, e.ordered,
    COALESCE(e.disabled, dd.disabled, false) AS disabled, heads.head_id, heads.head_due
  FROM c
  LEFT JOIN endpoints e ON e.id = c.target
  LEFT JOIN destinations dd ON dd.id = c.target
  LEFT JOIN heads ON heads.target = c.target
  ORDER BY c.due, c.id`;

/** Live leases per target and application, and the targets a claim leaves out (tallyLiveLeases). */
export async function readLiveLeases(
  db: PgQueries,
  now: number,
  limits: FairLimits,
): Promise<{ live: LiveLeases; full: string[] }> {
  return tallyLiveLeases(await db.all<LiveLeaseRow>(LIVE_LEASES, [now]), limits);
}

/** Which due deliveries to lease (in claim order) and to cancel, by the fair-share policy; inside the claim's transaction (BEGIN_CLAIM). */
export async function pickDue(db: PgQueries, now: number, limit: number, limits: FairLimits): Promise<FairClaim> {
  const { live, full } = await readLiveLeases(db, now, limits);
  const claim = new FairClaim(live, full, limit, limits);
  while (claim.wantsMore) {
    const rows = await db.all<WindowRow & { head_id: string | null; head_due: boolean | null }>(WINDOW_SQL, [
      now,
      claim.windowSize,
      [...claim.skip],
    ]);
    const heads = new Map<string, OrderedHead>();
    for (const r of rows) if (r.head_id !== null) heads.set(r.target, { id: r.head_id, due: r.head_due === true });
    claim.consider(rows, (endpointId) => heads.get(endpointId) ?? null);
  }
  return claim;
}

/**
 * Takes turns, in one process, between the engine's claims and the writers' hand-offs, which
 * read the live leases and then lease new deliveries in a later statement: two batches written at
 * once would otherwise both see the same room. Each waits its turn: a batch that wrote without
 * handing off would leave its deliveries to a claim (bench: 202 → delivered p50 9.1 vs 0.16 ms).
 */
export class ClaimGate {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  /** Runs `fn` when nothing else holds the gate. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held = true;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Hands the gate to the next waiter, if any. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}
