import { named, type NamedStatement } from './database.js';

/*
 * The hand-off at record on PostgreSQL (store/fair-share.ts, `refillsAtRecord`, for the policy):
 * the record statement's CTEs, then, in the same statement, the next due deliveries of the
 * targets whose live leases it ended, leased to the same worker. Every sub-statement sees the
 * snapshot from before the statement, so:
 * - `ended`: per target, the leases `settled` ended that were live in that snapshot (their
 *   `lease_until` there), and whether an outcome disables the endpoint (the `disabled` CTE's
 *   change is not visible to the others);
 * - `live`: the live leases per target with its application, from the lease index, as a claim
 *   counts them (fair-claim.ts), the ended ones included;
 * - `refill`: how many each target may take: at most one per lease ended, within its limit once
 *   those end ($24 the default), none for an ordered endpoint or a disabled target, and none when
 *   its application was at its limit ($25);
 * - `next`: that many of its due rows, oldest first (one range of deliveries_due_target, as a
 *   claim reads a target's), `SKIP LOCKED`: a row that a claim is leasing is the claim's, and this
 *   statement never waits for one (so it cannot deadlock with it);
 * - `handed`: leased to the worker ($18) until $23.
 * No target's or application's live leases grow, so neither the claims' advisory lock nor this
 * process's claim gate is needed: a claim that counted them before this commit still counts right.
 *
 * The result: the record's own (rescheduled, notified) on every row, with one row per delivery
 * handed off, or one row with nulls when none was.
 */
export function recordHandingOff(
  recordCtes: string,
  recordResult: string,
  selectLeased: (cte: string) => string,
): NamedStatement {
  return named(
    'record-hand-off',
    `${recordCtes},
  ended AS (
    SELECT COALESCE(d.endpoint_id, d.destination_id) AS target, max(d.app_id) AS app_id,
      count(*) FILTER (WHERE d.lease_until > $17 AND d.kind <> 'cli')::int AS n, bool_or(s.disable_endpoint) AS disables
    FROM settled s JOIN deliveries d ON d.id = s.id
    GROUP BY 1
  ),
  live AS (
    SELECT COALESCE(endpoint_id, destination_id) AS target, max(app_id) AS app_id, count(*)::int AS n
    FROM deliveries WHERE status = 'sending' AND kind <> 'cli' AND lease_until > $17
    GROUP BY 1
  ),
  refill AS (
    SELECT x.target, least(x.n, COALESCE(ep.max_concurrency, $24::int) - (COALESCE(lt.n, 0) - x.n)) AS n
    FROM ended x
      LEFT JOIN live lt ON lt.target = x.target
      LEFT JOIN endpoints ep ON ep.id = x.target
      LEFT JOIN destinations dd ON dd.id = x.target
    WHERE x.n > 0 AND NOT x.disables AND NOT COALESCE(ep.ordered, false) AND NOT COALESCE(ep.disabled, dd.disabled, true)
      AND (x.app_id IS NULL OR (SELECT COALESCE(sum(n), 0) FROM live WHERE live.app_id = x.app_id) < $25::int)
  ),
  next AS (
    SELECT due.id FROM refill CROSS JOIN LATERAL (
      SELECT id FROM deliveries
      WHERE status = 'pending' AND kind <> 'cli' AND COALESCE(endpoint_id, destination_id) = refill.target
        AND next_attempt_at <= $17
      ORDER BY next_attempt_at, id LIMIT greatest(refill.n, 0)
      FOR UPDATE SKIP LOCKED) due
  ),
  handed AS (
    UPDATE deliveries d SET status = 'sending', lease_owner = $18, lease_until = $23::bigint, updated_at = $17
    FROM next WHERE d.id = next.id
    RETURNING d.*
  )
SELECT result.*, h.* FROM (${recordResult}) result LEFT JOIN (${selectLeased('handed')}) h ON true`,
  );
}
