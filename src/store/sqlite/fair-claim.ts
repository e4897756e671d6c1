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
 * A window (store/fair-share.ts, FairClaim) is read by due time (`SCAN`: the first entries of
 * deliveries_due, whoever's) or, when targets left out crowd those, target by target:
 * `DUE_TARGETS` walks the distinct targets of deliveries_due_target (pending, by target and due
 * time), each step one seek past the previous target, so a target with a deep backlog costs one
 * step like any other; then the first due rows of each target found (`TARGET_DUE`, one range of
 * the same index). Both with the expired leases (`EXPIRED`, the lease index). Targets' limits,
 * ordering and state are joined by key.
 */
const TARGET = 'COALESCE(endpoint_id, destination_id)';
const PENDING = "status = 'pending' AND kind <> 'cli'";
const DUE_TARGETS = `WITH RECURSIVE t(target) AS (
    SELECT (SELECT ${TARGET} FROM deliveries WHERE ${PENDING} AND ${TARGET} >= '' ORDER BY ${TARGET} LIMIT 1)
    UNION ALL
    SELECT (SELECT ${TARGET} FROM deliveries WHERE ${PENDING} AND ${TARGET} > t.target ORDER BY ${TARGET} LIMIT 1)
      FROM t WHERE t.target IS NOT NULL
  )
SELECT target, due, (SELECT max_concurrency FROM endpoints WHERE id = target) AS lim,
    (SELECT count(target) FROM t) AS stepped
  FROM (
    SELECT target, (SELECT next_attempt_at FROM deliveries WHERE ${PENDING} AND ${TARGET} = t.target
        ORDER BY next_attempt_at LIMIT 1) AS due
    FROM t WHERE target IS NOT NULL AND target NOT IN (SELECT value FROM json_each(@skip)))
  WHERE due <= @now
    AND COALESCE((SELECT app_id FROM endpoints WHERE id = target), '') NOT IN (SELECT value FROM json_each(@skip))
  ORDER BY due, target LIMIT @window`;

const WINDOW_COLUMNS = `c.id, c.target, c.app_id, c.msg_id, c.trigger, e.max_concurrency AS lim, e.ordered,
    COALESCE(e.disabled, dd.disabled) AS disabled, c.due`;
const WITH_TARGET = `LEFT JOIN endpoints e ON e.id = c.target
  LEFT JOIN destinations dd ON dd.id = c.target`;

/** The first `scan` entries of the due index. */
const SCAN = `SELECT ${WINDOW_COLUMNS}
  FROM (SELECT id, ${TARGET} AS target, app_id, msg_id, trigger, next_attempt_at AS due FROM deliveries
    WHERE ${PENDING} AND next_attempt_at <= @now
    ORDER BY next_attempt_at LIMIT @scan) c
  ${WITH_TARGET}`;

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
    const expired = db.all<WindowRow>(EXPIRED, { now, skip, window });
    let read = claim.windowFromScan(db.all<WindowRow>(SCAN, { now, scan: claim.scanSize }), expired);
    if (read === null) {
      const targets = db.all<{ target: string; lim: number | null; stepped: number }>(DUE_TARGETS, {
        now,
        skip,
        window,
      });
      const rows = targets.flatMap(({ target, lim }) =>
        db.all<WindowRow>(TARGET_DUE, { now, target, take: claim.rowsPerTarget(targets.length, lim) }),
      );
      read = claim.windowByTarget(targets.length, targets[0]?.stepped ?? 0, rows, expired);
    }
    claim.consider(read, headOf);
  }
  limits.observeClaimReads?.(claim.rowsRead);
  return claim;
}
