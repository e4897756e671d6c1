/** One forward-only schema change. Never edit a released migration: add the next one. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The migrations not yet applied, oldest first, given the versions a database lists as applied.
 * Throws when the database lists a version newer than any in `migrations`: a newer hookd migrated it.
 */
export function migrationsToApply(applied: Iterable<number>, migrations: readonly Migration[]): Migration[] {
  const done = new Set(applied);
  const newest = Math.max(0, ...migrations.map((m) => m.version));
  const unknown = [...done].filter((v) => v > newest);
  if (unknown.length > 0) {
    throw new Error(`database schema version ${Math.max(...unknown)} is newer than this hookd knows (${newest})`);
  }
  return [...migrations].sort((a, b) => a.version - b.version).filter((m) => !done.has(m.version));
}
