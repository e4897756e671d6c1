import type { PagePlan } from '../paging.js';
import type { SqlParams } from './sql-params.js';

export { planPage, toPage } from '../paging.js';

/** `AND key <op> $n` when the plan has a cursor, else nothing. */
export function cursorCondition(plan: PagePlan, keySql: string, params: SqlParams): string {
  if (plan.cursor === null) return '';
  return ` AND ${keySql} ${plan.op} ${params.add(plan.cursor)}`;
}
