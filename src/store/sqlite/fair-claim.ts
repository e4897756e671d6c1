import {
  FairClaim,
  type FairLimits,
  type LiveLeaseRow,
  type LiveLeases,
  type OrderedHead,
  tallyLiveLeases,
  type WindowRow,
} from '../fair-share.js';
import type { SqliteDb } from './database.js';

/**
 * The fair-share claim on SQLite (store/fair-share.ts for the policy), run inside the claim's
 * transaction: which due deliveries to lease, and which to cancel (their target is disabled).
 */

/** Live leases per target (endpoint, or destination for kind `event`) with its application, read from the lease index. */
const LIVE_LEASES = `SELECT COALESCE(d.endpoint_id, d.destination_id) AS target, d.app_id, count(*) AS n,
    e.max_concurrency AS lim
  FROM deliveries d LEFT JOIN endpoints e ON e.id = d.endpoint_id
  WHERE d.status = 'sending' AND d.kind <> 'cli' AND d.lease_until > ?
  GROUP BY 1`;

/*
 * A window of due deliveries, oldest first, leaving out the targets already at their limit (or
 * whose application is at its limit, or looked at by an earlier pass): each arm walks one partial index (pending by due time, sending
 * by lease end), as the claim always did. With each target's limit and ordering, joined by key.
 */
const WINDOW = `SELECT c.id, c.target, c.app_id, c.msg_id, c.trigger, e.max_concurrency AS lim, e.ordered,
    COALESCE(e.disabled, dd.disabled) AS disabled
  FROM (
    SELECT * FROM (SELECT id, COALESCE(endpoint_id, destination_id) AS target, app_id, msg_id, trigger,
        next_attempt_at AS due FROM deliveries
      WHERE status = 'pending' AND kind <> 'cli' AND next_attempt_at <= @now
        AND COALESCE(endpoint_id, destination_id) NOT IN (SELECT value FROM json_each(@skip))
        AND COALESCE(app_id, '') NOT IN (SELECT value FROM json_each(@skip))
      ORDER BY next_attempt_at LIMIT @window)
    UNION ALL
    SELECT * FROM (SELECT id, COALESCE(endpoint_id, destination_id) AS target, app_id, msg_id, trigger,
        next_attempt_at AS due FROM deliveries
      WHERE status = 'sending' AND kind <> 'cli' AND lease_until <= @now
        AND COALESCE(endpoint_id, destination_id) NOT IN (SELECT value FROM json_each(@skip))
        AND COALESCE(app_id, '') NOT IN (SELECT value FROM json_each(@skip))
      ORDER BY lease_until LIMIT @window)
    ORDER BY due, id LIMIT @window
  ) c
  LEFT JOIN endpoints e ON e.id = c.target
  LEFT JOIN destinations dd ON dd.id = c.target
  ORDER BY c.due, c.id`;

/** An ordered endpoint's head: its oldest scheduled delivery not ended (deliveries_open). */
const HEAD = `SELECT id, (status = 'pending' AND next_attempt_at <= @now) OR (status = 'sending' AND lease_until <= @now)
    AS due
  FROM deliveries
  WHERE endpoint_id = @endpoint AND kind = 'message' AND trigger = 0 AND status IN ('pending', 'sending')
  ORDER BY msg_id LIMIT 1`;

/** Live leases per target and application, and the targets a claim leaves out (tallyLiveLeases). */
export function readLiveLeases(db: SqliteDb, now: number, limits: FairLimits): { live: LiveLeases; full: string[] } {
  return tallyLiveLeases(db.all<LiveLeaseRow>(LIVE_LEASES, now), limits);
}

/**
 * Which due deliveries to lease, in claim order (rank by target, then due time), and which to
 * cancel (their target is disabled): up to `limit`, by the fair-share policy.
 */
export function pickDue(db: SqliteDb, now: number, limit: number, limits: FairLimits): FairClaim {
  const { live, full } = readLiveLeases(db, now, limits);
  const claim = new FairClaim(live, full, limit, limits);
  const heads = new Map<string, OrderedHead | null>();
  const headOf = (endpointId: string) => {
    let head = heads.get(endpointId);
    if (head === undefined) {
      const row = db.get<{ id: string; due: number }>(HEAD, { now, endpoint: endpointId });
      head = row ? { id: row.id, due: row.due === 1 } : null;
      heads.set(endpointId, head);
    }
    return head;
  };
  while (claim.wantsMore) {
    claim.consider(
      db.all<WindowRow>(WINDOW, { now, window: claim.windowSize, skip: JSON.stringify([...claim.skip]) }),
      headOf,
    );
  }
  return claim;
}
