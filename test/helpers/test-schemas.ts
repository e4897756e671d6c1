import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { reusableSchemaPrefix } from '../global-setup.js';

export interface TestSchema {
  /** The schema's name (a plain identifier). */
  name: string;
  /**
   * Empties the schema and keeps it for the next test of this worker. Call after every
   * connection to it is closed: a connection that wrote later would leave rows for the next test.
   */
  release(): Promise<void>;
}

/** Schemas of this worker, migrated and empty, waiting for a test. */
const idle: string[] = [];
let admin: pg.Pool | null = null;
/** `DELETE FROM` every table but `schema_migrations`, referencing tables first; one per run. */
let emptyingTables: Promise<string[]> | null = null;

/**
 * A migrated, empty PostgreSQL schema for one test: the last test's schema emptied when there is
 * one, else a new one migrated by the store's own `migrate()`. Emptying takes a few ms where a new
 * schema costs ~50 ms of server CPU and ~250 ms on a loaded machine, and dropping it ~100 ms more
 * (its tables, indexes and TOAST tables are a few dozen files): most PostgreSQL tests spend less on
 * their own work than that. A run drops its schemas at the end (test/global-setup.ts).
 *
 * Emptied is as good as new: migrations create tables and indexes only, and the migrated schema
 * holds no row outside `schema_migrations` (test/helpers/test-schemas.test.ts checks both; a
 * migration that seeds rows must make `release()` restore them). Other ways measured on this
 * machine, per schema: `CREATE TABLE ... (LIKE template INCLUDING ...)` plus constraints and
 * indexes from the template's catalog costs what migrating does (the same files get created);
 * `TRUNCATE` of every table costs more than that (new files for every table and index);
 * `CREATE DATABASE ... TEMPLATE` ~0.5 s and `DROP DATABASE` seconds.
 */
export async function reusableTestSchema(baseUrl: string): Promise<TestSchema> {
  const name = idle.pop() ?? (await newMigratedSchema(baseUrl));
  let released = false;
  return {
    name,
    async release() {
      if (released) return;
      released = true;
      emptyingTables ??= tablesToEmpty(adminPool(baseUrl), name);
      const tables = await emptyingTables;
      await adminPool(baseUrl).query(tables.map((table) => `DELETE FROM ${name}.${table}`).join(';\n'));
      idle.push(name);
    },
  };
}

async function newMigratedSchema(baseUrl: string): Promise<string> {
  const name = `${reusableSchemaPrefix(inject('hookdTestRun'))}${randomBytes(6).toString('hex')}`;
  const store = await PostgresStore.open(baseUrl, { schema: name, poolSize: 1, listen: false });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  return name;
}

/** One connection for emptying schemas, which does not keep the worker alive. */
function adminPool(baseUrl: string): pg.Pool {
  admin ??= new pg.Pool({ connectionString: baseUrl, max: 1, allowExitOnIdle: true });
  return admin;
}

/** The schema's tables but `schema_migrations`, each after every table whose foreign keys reference it. */
async function tablesToEmpty(db: pg.Pool, schema: string): Promise<string[]> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' AND relname <> 'schema_migrations'`,
    [schema],
  );
  const { rows: references } = await db.query<{ child: string; parent: string }>(
    `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent
       FROM pg_constraint WHERE connamespace = $1::regnamespace AND contype = 'f'`,
    [schema],
  );
  const unqualified = (name: string) => name.slice(name.lastIndexOf('.') + 1);
  const left = new Set(tables.map((t) => t.name));
  const ordered: string[] = [];
  while (left.size > 0) {
    const next = [...left].filter(
      (table) =>
        !references.some(
          (r) => unqualified(r.parent) === table && unqualified(r.child) !== table && left.has(unqualified(r.child)),
        ),
    );
    if (next.length === 0) throw new Error(`test schemas: foreign keys form a cycle among ${[...left].join(', ')}`);
    for (const table of next.sort()) {
      ordered.push(table);
      left.delete(table);
    }
  }
  return ordered;
}
