/**
 * How commits announce new work to other processes: `NOTIFY hookd_work` sent from inside the
 * writing statement, so PostgreSQL delivers it at commit (never for a rolled-back write).
 *
 * The payload names the sender, `<instance>@<schema>`. Listeners drop their own notifications (the
 * writing store already signalled its local listeners right after the commit) and those of other
 * schemas (channels are per database, and tests put one store per schema in one database).
 */
export const WORK_CHANNEL = 'hookd_work';

export interface WorkSender {
  instance: string;
  schema: string;
}

export function workPayload(sender: WorkSender): string {
  return `${sender.instance}@${sender.schema}`;
}

export function parseWorkPayload(payload: string | undefined): WorkSender | null {
  const at = payload?.indexOf('@') ?? -1;
  if (payload === undefined || at < 0) return null;
  return { instance: payload.slice(0, at), schema: payload.slice(at + 1) };
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
