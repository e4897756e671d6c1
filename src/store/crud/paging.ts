import { type PagePlan, planPage, toPage } from '../paging.js';
import { raw, type Sql, sql } from './sql.js';

export { planPage, toPage };

/** ` AND key <op> cursor` when the plan has a cursor, else nothing. `keySql` is a column of ours. */
export function cursorCondition(plan: PagePlan, keySql: string): Sql {
  return plan.cursor === null ? raw('') : sql` AND ${raw(keySql)} ${raw(plan.op)} ${plan.cursor}`;
}

/** ` ORDER BY key <direction> LIMIT <fetch>`: the tail of every paged query. */
export function pageOrder(plan: PagePlan, keySql: string): Sql {
  return sql` ORDER BY ${raw(keySql)} ${raw(plan.sql)} LIMIT ${plan.fetch}`;
}
