/** Paging and time filters shared by every list of every port. */

export interface PageQuery {
  /** 1..250. */
  limit: number;
  /** From a previous page: `iterator` to go on, `prevIterator` (starts with `-`) to go back. */
  iterator?: string | null;
  /** Default is per list: applications and endpoints ascending, messages and attempts descending. */
  order?: 'ascending' | 'descending';
}

export interface Page<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

/** Epoch ms bounds: `since` inclusive, `until` exclusive; either may be absent. */
export interface TimeRange {
  since?: number | null;
  until?: number | null;
}
