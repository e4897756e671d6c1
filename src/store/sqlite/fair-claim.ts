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
 * A window is read target by target (store/fair-share.ts, "the window"), so that a claim never
 * reads the due backlog of a target it leaves out. `DUE_TARGETS` walks the distinct targets of
 * `deliveries_due_target` (pending, by target and due time): each step is one seek past the
 * previous target, a target with a deep backlog costs one step like any other. Then the first due
 * rows of each target found (`TARGET_DUE`, one range of the same index), and the expired leases
 * (`EXPIRED`, the lease index: rows a dead worker left, at most its concurrency).
 */
const TARGET = 'COALESCE(endpoint_id, destination_id)';
const PENDING = "status = 'pending' AND kind <> 'cli'";
const DUE_TARGETS = `WITH RECURSIVE t(target) AS (
    SELECT (SELECT ${TARGET} FROM deliveries WHERE ${PENDING} ORDER BY ${TARGET} LIMIT 1)
    UNION ALL
    SELECT (SELECT ${TARGET} FROM deliveries WHERE ${PENDING} AND ${TARGET} > t.target ORDER BY ${TARGET} LIMIT 1)
      FROM t WHERE t.target IS NOT NULL
  )
SELECT target, due, lim FROM (
    SELECT t.target, e.app_id, e.max_concurrency AS lim,
      (SELECT next_attempt_at FROM deliveries WHERE ${PENDING} AND ${TARGET} = t.target
        ORDER BY next_attempt_at LIMIT 1) AS due
    FROM t LEFT JOIN endpoints e ON e.id = t.target
    WHERE t.target IS NOT NULL AND t.target NOT IN (SELECT value FROM json_each(@skip)))
  WHERE due <= @now AND COALESCE(app_id, '') NOT IN (SELECT value FROM json_each(@skip))
  ORDER BY due, target LIMIT @window`;

const WINDOW_COLUMNS = `c.id, c.target, c.app_id, c.msg_id, c.trigger, e.max_concurrency AS lim, e.ordered,
    COALESCE(e.disabled, dd.disabled) AS disabled, c.due`;
const WITH_TARGET = `LEFT JOIN endpoints e ON e.id = c.target
  LEFT JOIN destinations dd ON dd.id = c.target`;

/** A target's first `take` due rows, oldest first: one range of deliveries_due_target. */
const TARGET_DUE = `SELECT ${WINDOW_COLUMNS}
  FROM (SELECT id, ${TARGET} AS target, app_id, msg_id, trigger, next_attempt_at AS due FROM deliveries
    WHERE ${PENDING} AND ${TARGET} = @target AND next_attempt_at <= @now
    ORDER BY next_attempt_at LIMIT @take) c
  ${WITH_TARGET}`;

/** Expired leases, oldest first, of the targets not left out. */
const EXPIRED = `SELECT ${WINDOW_COLUMNS}
  FROM (SELECT id, ${TARGET} AS target, app_id, msg_id, trigger, next_attempt_at AS due FROM deliveries
    WHERE status = 'sending' AND kind <> 'cli' AND lease_until <= @now
      AND ${TARGET} NOT IN (SELECT value FROM json_each(@skip))
      AND COALESCE(app_id, '') NOT IN (SELECT value FROM json_each(@skip))
    ORDER BY lease_until LIMIT @window) c
  ${WITH_TARGET}`;

type DueWindowRow = WindowRow & { due: number };

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
    const skip = JSON.stringify([...claim.skip]);
    const window = claim.windowSize;
    const targets = db.all<{ target: string; lim: number | null }>(DUE_TARGETS, { now, skip, window });
    const expired = db.all<DueWindowRow>(EXPIRED, { now, skip, window });
    const rows = [...expired];
    for (const { target, lim } of targets) {
      rows.push(...db.all<DueWindowRow>(TARGET_DUE, { now, target, take: claim.rowsPerTarget(targets.length, lim) }));
    }
    rows.sort((a, b) => a.due - b.due || (a.id < b.id ? -1 : 1));
    claim.consider(rows, headOf, targets.length < window && expired.length < window);
  }
  return claim;
}
