/** One forward-only schema change. Never edit a released migration: add the next one. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
