import type { WorkDue } from '../work-signal.js';

/**
 * How commits announce new work to other processes: `NOTIFY hookd_work` sent from inside the
 * writing statement, so PostgreSQL delivers it at commit (never for a rolled-back write).
 *
 * The payload names the sender and when the work is due, `<instance>@<schema> <due>`. Listeners
 * drop their own notifications (the writing store already signalled its local listeners right
 * after the commit) and those of other schemas (channels are per database, and tests put one
 * store per schema in one database).
 */
export const WORK_CHANNEL = 'hookd_work';

export interface WorkSender {
  instance: string;
  schema: string;
}

/** A store's two payloads, by when the work it announces is due. */
export type WorkPayloads = Record<WorkDue, string>;

export function workPayload(sender: WorkSender, due: WorkDue): string {
  return `${sender.instance}@${sender.schema} ${due}`;
}

export function parseWorkPayload(payload: string | undefined): (WorkSender & { due: WorkDue }) | null {
  const match = /^([^@]+)@(\S+) (now|later)$/.exec(payload ?? '');
  return match === null ? null : { instance: match[1], schema: match[2], due: match[3] as WorkDue };
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
