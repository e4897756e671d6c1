import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTestDatabase, TEST_BACKEND, type TestDatabase } from '../helpers/backend.js';
import { HOOKD_CLI, ROOT } from '../helpers/hookd-build.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hookd-start-'));
let database: TestDatabase;
let taken: Server;
let takenPort: number;
/** A loopback port nothing listens on (it was free a moment ago): connecting to it is refused. */
let closedPort: number;

beforeAll(async () => {
  database = await freshTestDatabase();
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as { port: number }).port;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => {
  await new Promise((resolve) => taken?.close(resolve));
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `hookd serve` from dist/, expected to fail: its exit code and stderr. */
async function serveFails(env: Record<string, string>, args: string[] = []) {
  try {
    await promisify(execFile)(process.execPath, [HOOKD_CLI, 'serve', ...args], {
      cwd: ROOT,
      env: { ...process.env, HOOKD_HOST: '127.0.0.1', HOOKD_DATA_DIR: dataDir, ...database.env, ...env },
      timeout: 60_000,
    });
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, lines: e.stderr.trim().split('\n') };
  }
  throw new Error('hookd serve started');
}

/** One line, naming the setting, no stack trace. */
function expectOneClearLine(lines: string[], setting: RegExp) {
  expect(lines, lines.join('\n')).toHaveLength(1);
  expect(lines[0]).toMatch(/^hookd: /);
  expect(lines[0]).toMatch(setting);
  expect(lines[0]).not.toMatch(/\bat .*:\d+:\d+/);
}

describe('hookd serve: a failed start says which setting to change, and exits 1', () => {
  it('on a port in use', async () => {
    const { code, lines } = await serveFails({ HOOKD_PORT: String(takenPort) });
    expect(code).toBe(1);
    expectOneClearLine(lines, new RegExp(`port ${takenPort} is in use.*HOOKD_PORT \\(or --port\\)`));
    // The same through the flag.
    expect((await serveFails({}, ['--port', String(takenPort)])).lines[0]).toMatch(/in use/);
  });

  it('on a host that is not an address of this machine', async () => {
    const { code, lines } = await serveFails({ HOOKD_PORT: '0', HOOKD_HOST: '192.0.2.1' });
    expect(code).toBe(1);
    expectOneClearLine(lines, /192\.0\.2\.1 is not an address of this machine.*HOOKD_HOST/);
  });

  it('on a database URL that cannot be reached, without showing its password', async () => {
    const { code, lines } = await serveFails({
      HOOKD_PORT: '0',
      HOOKD_DATABASE_URL: `postgres://hookd:s3cret-pw@127.0.0.1:${closedPort}/nowhere`,
    });
    expect(code).toBe(1);
    expectOneClearLine(
      lines,
      /cannot reach PostgreSQL at 127\.0\.0\.1:\d+\/nowhere \(ECONNREFUSED\).*HOOKD_DATABASE_URL/,
    );
    expect(lines.join('\n')).not.toContain('s3cret-pw');
  });

  it.skipIf(TEST_BACKEND !== 'sqlite')(
    'on a data directory that cannot be written (SQLite keeps its file there)',
    async () => {
      const file = join(dataDir, 'a-file');
      writeFileSync(file, 'not a directory');
      const { code, lines } = await serveFails({ HOOKD_PORT: '0', HOOKD_DATA_DIR: join(file, 'data') });
      expect(code).toBe(1);
      expectOneClearLine(lines, /cannot write the data directory .*a-file\/data.*HOOKD_DATA_DIR \(or --data-dir\)/);
    },
  );
});
