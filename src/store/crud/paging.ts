import { type PagePlan, planPage, toPage } from '../paging.js';
import { raw, type Sql, sql } from './sql.js';

export { planPage, toPage };

/**
 * The tail of every paged query, after its WHERE terms: ` AND key <op> cursor` when the plan has a
 * cursor, then ` ORDER BY key <direction> LIMIT <fetch>`. `keySql` is a column of ours.
 */
export function pageTail(plan: PagePlan, keySql: string): Sql {
  const key = raw(keySql);
  const cursor = plan.cursor === null ? raw('') : sql` AND ${key} ${raw(plan.op)} ${plan.cursor}`;
  return sql`${cursor} ORDER BY ${key} ${raw(plan.sql)} LIMIT ${plan.fetch}`;
}
