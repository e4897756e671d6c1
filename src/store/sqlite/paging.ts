import type { PagePlan } from '../paging.js';

export { planPage, toPage } from '../paging.js';

/** `AND key <op> ?` when the plan has a cursor, else nothing; push the cursor onto `params`. */
export function cursorCondition(plan: PagePlan, keySql: string, params: unknown[]): string {
  if (plan.cursor === null) return '';
  params.push(plan.cursor);
  return ` AND ${keySql} ${plan.op} ?`;
}
