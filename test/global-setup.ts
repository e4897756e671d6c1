import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureBuilt } from './helpers/hookd-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's part of reusable test schema names; see `reusableSchemaPrefix`. */
    hookdTestRun: string;
  }
}

/** The prefix of the PostgreSQL schemas a run reuses across tests (test/helpers/test-schemas.ts). */
export function reusableSchemaPrefix(run: string): string {
  return `hookd_test_${run}_`;
}

/**
 * Runs once per project before its test files: builds dist/ when the sources are newer (the CLI,
 * crash and scale-out tests spawn `node dist/cli/main.js`), and names this run's reusable
 * PostgreSQL schemas, which the returned teardown drops after the last test.
 */
export default function setup(project: TestProject): () => Promise<void> {
  ensureBuilt();
  const run = randomBytes(4).toString('hex');
  project.provide('hookdTestRun', run);
  return () => dropReusableSchemas(run);
}

async function dropReusableSchemas(run: string): Promise<void> {
  const url = process.env.HOOKD_TEST_DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)`,
      [reusableSchemaPrefix(run)],
    );
    for (const { name } of rows) await client.query(`DROP SCHEMA ${name} CASCADE`);
  } finally {
    await client.end();
  }
}
