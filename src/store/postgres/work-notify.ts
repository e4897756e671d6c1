import type { WorkDue } from '../work-signal.js';

/**
 * How commits announce new work to other processes: `NOTIFY hookd_work` sent from inside the
 * writing statement, so PostgreSQL delivers it at commit (never for a rolled-back write).
 *
 * The payload says when the work is due and names the sender, `<due>:<instance>@<schema>`, or
 * `later/<at>:<instance>@<schema>` for work due at `at` and not sooner (epoch ms: `WorkListener`).
 * Listeners drop their own notifications (the writing store already signalled its local listeners
 * right after the commit) and those of other schemas (channels are per database, and tests put
 * one store per schema in one database). A payload without `<due>:` (from a hookd before it was
 * added, during a rolling upgrade) is work due at any time: `later`; and a hookd of that version
 * reads `<due>:<instance>` as another instance of the same schema, so it still wakes.
 */
export const WORK_CHANNEL = 'hookd_work';

export interface WorkSender {
  instance: string;
  schema: string;
}

/** A store's payloads, by when the work it announces is due. */
export type WorkPayloads = Record<WorkDue, string>;

export function workPayload(sender: WorkSender, due: WorkDue): string {
  return `${due}:${sender.instance}@${sender.schema}`;
}

export function parseWorkPayload(payload: string | undefined): (WorkSender & { due: WorkDue; at?: number }) | null {
  const match = /^(?:(now|later|held)(?:\/(\d+))?:)?([^@]+)@(.*)$/s.exec(payload ?? '');
  if (match === null) return null;
  const parsed = { due: (match[1] as WorkDue | undefined) ?? 'later', instance: match[3], schema: match[4] };
  return match[2] === undefined ? parsed : { ...parsed, at: Number(match[2]) };
}

/**
 * A scalar subquery that sends one notification when the CTE `rowsCte` returned any row, and
 * evaluates to 0 or 1. Put it in the main SELECT of a statement whose CTEs write the rows: a CTE
 * that nothing references is not run (unless it writes), and pg_notify is volatile, so the planner
 * keeps it. `payloadParam` is the placeholder bound to `workPayload(...)`.
 */
export function notifyIfAny(rowsCte: string, payloadParam: string): string {
  return `(SELECT count(*) FROM (SELECT pg_notify('${WORK_CHANNEL}', ${payloadParam})
    FROM (SELECT 1 FROM ${rowsCte} LIMIT 1) AS any_row) AS notified)`;
}

/**
 * As `notifyIfAny`, for the deliveries a write left pending (the CTE `pendingCte`, a boolean
 * column `held` each: held back by the fair shares): one notification when there is any, the
 * `held` payload when every one is held back, else the `now` one (`WorkDue`).
 */
export function notifyPending(pendingCte: string, nowParam: string, heldParam: string): string {
  return `(SELECT count(*) FROM (SELECT pg_notify('${WORK_CHANNEL}', CASE WHEN bool_and(held) THEN ${heldParam} ELSE ${nowParam} END)
    FROM ${pendingCte} HAVING count(*) > 0) AS notified)`;
}

/**
 * As `notifyIfAny`, for deliveries created due at a stored time (the column `held_until` of the
 * CTE `cte`, null for the others): one `later/<at>` notification naming the earliest such time,
 * when there is any. `laterParam` is the placeholder bound to the `later` payload.
 */
export function notifyHeldUntil(cte: string, laterParam: string): string {
  return `(SELECT count(*) FROM (SELECT pg_notify('${WORK_CHANNEL}', 'later/' || min(held_until) || substr(${laterParam}::text, ${'later'.length + 1}))
    FROM ${cte} HAVING min(held_until) IS NOT NULL) AS notified_held)`;
}
