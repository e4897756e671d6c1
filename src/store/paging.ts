import type { Page, PageQuery } from './store.js';

type SortOrder = 'ascending' | 'descending';

/**
 * Keyset paging shared by the backends: planning a page and assembling it from rows involve no
 * SQL; the cursor condition is written once too (`crud/paging.ts`, `pageTail`).
 *
 * How to fetch one page by keyset on a unique, sortable key column (an id, or an event type's
 * name). Build the query as `... WHERE <filters> [AND key <op> ?cursor] ORDER BY key <sql> LIMIT ?fetch`,
 * then hand the rows to `toPage`.
 */
export interface PagePlan {
  /** `null` on the first page. */
  cursor: string | null;
  /** Comparison that selects rows past the cursor in the direction of travel. */
  op: '>' | '<';
  sql: 'ASC' | 'DESC';
  /** `limit + 1`: the extra row only tells whether another page exists. */
  fetch: number;
  limit: number;
  /** Going back (an iterator with a leading `-`): rows are fetched nearest-first, then reversed. */
  backwards: boolean;
}

export function planPage(query: PageQuery, defaultOrder: SortOrder): PagePlan {
  const ascending = (query.order ?? defaultOrder) === 'ascending';
  const iterator = query.iterator ?? null;
  const backwards = iterator?.startsWith('-') ?? false;
  const cursor = iterator === null ? null : backwards ? iterator.slice(1) : iterator;
  // Forward in the list's order, or backward against it.
  const forwardSql = ascending !== backwards;
  // 0 is allowed, as in Svix: an empty page whose `done` says whether any row matches.
  const limit = Math.max(0, Math.floor(query.limit));
  return { cursor, op: forwardSql ? '>' : '<', sql: forwardSql ? 'ASC' : 'DESC', fetch: limit + 1, limit, backwards };
}

/** Trims the extra row, restores the list's order and fills in the iterators. */
export function toPage<T>(rows: T[], plan: PagePlan, keyOf: (row: T) => string): Page<T> {
  const done = rows.length <= plan.limit;
  const data = done ? rows : rows.slice(0, plan.limit);
  if (plan.backwards) data.reverse();
  if (data.length === 0) return { data, iterator: null, prevIterator: null, done };
  return {
    data,
    iterator: keyOf(data[data.length - 1]),
    prevIterator: `-${keyOf(data[0])}`,
    done,
  };
}
