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
    // Builds dist/ when the sources are newer (the CLI, crash and scale-out tests spawn it), and
    // drops the PostgreSQL schemas the run reused (test/helpers/test-schemas.ts).
    globalSetup: ['test/global-setup.ts'],
    // Limits against a hang, not a measure: a test that starts child processes can take a minute
    // where the two cores are shared with other busy processes.
    testTimeout: 120_000,
    // expect.poll waits for work another process or the engine commits: 1 s (vitest's default) is
    // short where the cores are shared.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 120_000,
    pool: 'forks',
    // Most of a test's time is spent waiting (on hookd's answers, a receiver's held response,
    // PostgreSQL, a retry's delay, a child process), not computing: more files at once than the
    // cores (vitest's default is cores - 1, one file at a time on two cores) keep the CPU busy.
    maxWorkers: 3,
    // A worker keeps the modules it loaded for its next file, instead of importing fastify, pg,
    // svix and the sources again for each (~40% of the suite's time on two cores). Nothing in
    // src/ or test/helpers holds state between tests that this could leak: the tests share no
    // module-level mutable state but caches (ids' counter, compiled validators, idle test schemas).
    isolate: false,
    projects: [
      {
        extends: true as const,
        test: {
          name: 'sqlite',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          env: { HOOKD_TEST_BACKEND: 'sqlite' },
        },
      },
      ...(postgresUrl
        ? [
            {
              extends: true as const,
              test: { name: 'postgres', include: ['test/**/*.test.ts'], env: { HOOKD_TEST_BACKEND: 'postgres' } },
            },
          ]
        : []),
    ],
  },
});
