import { defineConfig } from 'vitest/config';

/**
 * Unit tests (beside the code) run once. Integration tests (test/) run once per backend: on
 * SQLite always, and on PostgreSQL when HOOKD_TEST_DATABASE_URL names a server (.ci/run sets it).
 * The store conformance suite runs on both backends from its own test files.
 */
const postgresUrl = process.env.HOOKD_TEST_DATABASE_URL;
if (!postgresUrl) console.warn('hookd tests: the PostgreSQL half is skipped: HOOKD_TEST_DATABASE_URL is not set');

export default defineConfig({
  test: {
    // Builds dist/ when the sources are newer: the CLI, crash and scale-out tests spawn it.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true as const,
        test: { name: 'sqlite', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], env: { HOOKD_TEST_BACKEND: 'sqlite' } },
      },
      ...(postgresUrl
        ? [{ extends: true as const, test: { name: 'postgres', include: ['test/**/*.test.ts'], env: { HOOKD_TEST_BACKEND: 'postgres' } } }]
        : []),
    ],
  },
});
