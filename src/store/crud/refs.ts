import { raw, type Sql, sql } from './sql.js';

/**
 * `FROM <table> WHERE <the one row that ref names>`: a ref is an id or a uid, and an id wins over
 * a uid that happens to equal another row's id (as for applications). `table` is a name from our
 * own code (sources, destinations), never input.
 */
export function fromRef(table: 'sources' | 'destinations', ref: string): Sql {
  return sql`FROM ${raw(table)} WHERE id = ${ref} OR uid = ${ref} ORDER BY id = ${ref} DESC LIMIT 1`;
}
