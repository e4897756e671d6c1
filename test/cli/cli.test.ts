import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, spawnHookd } from '../helpers/hookd-process.js';
import { HOOKD_CLI, ROOT } from '../helpers/hookd-build.js';
import { freshTestDatabase, type TestDatabase } from '../helpers/backend.js';
const dataDir = mkdtempSync(join(tmpdir(), 'hookd-cli-'));
let database: TestDatabase;
beforeAll(async () => {
  database = await freshTestDatabase();
});
afterAll(async () => {
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the `hookd` CLI from dist/; resolves with its exit code and output. */
async function hookd(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [HOOKD_CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, HOOKD_DATA_DIR: dataDir, ...database.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function get(url: string, token: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('the hookd CLI', () => {
  it('prints usage', async () => {
    const { code, stdout } = await hookd(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/hookd serve/);
  });

  it('stops on a bad setting with a message that names it (exit 2)', async () => {
    const { code, stderr } = await hookd(['serve'], { HOOKD_PORT: 'eighty' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/HOOKD_PORT.*"eighty"/);
    expect((await hookd(['serve', '--retry-schedule', 'soon'])).stderr).toMatch(/--retry-schedule/);
    expect((await hookd(['frobnicate'])).code).toBe(2);
  });

  it('generates the admin token once, stores it hashed, and mints more tokens', async () => {
    expect((await hookd(['migrate'])).stdout).toMatch(/migrations applied/);
    const first = await spawnHookd({ HOOKD_DATA_DIR: dataDir, ...database.env });
    const admin = /admin token \(shown once, stored hashed\): (\S+)/.exec(first.output())?.[1];
    expect(admin).toMatch(/^sk_/);
    expect(await get(`${first.url}/api/v1/app`, admin!)).toBe(200);
    first.child.kill('SIGTERM');
    await exited(first.child);

    const minted = (await hookd(['token', 'create'])).stdout.trim();
    expect(minted).toMatch(/^sk_/);
    const second = await spawnHookd({ HOOKD_DATA_DIR: dataDir, ...database.env });
    try {
      expect(second.output()).not.toMatch(/admin token/);
      expect(await get(`${second.url}/api/v1/app`, admin!)).toBe(200);
      expect(await get(`${second.url}/api/v1/app`, minted)).toBe(200);
      expect(await get(`${second.url}/api/v1/app`, 'sk_not-a-token')).toBe(401);

      const res = await fetch(`${second.url}/api/v1/app`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Tenant', uid: 'tenant' }),
      });
      expect(res.status).toBe(201);
      const appToken = (await hookd(['token', 'create', '--app', 'tenant'])).stdout.trim();
      expect(appToken).toMatch(/^appsk_/);
      expect(await get(`${second.url}/api/v1/app/tenant/endpoint`, appToken)).toBe(200);
      expect(await get(`${second.url}/api/v1/app`, appToken)).toBe(403);
      expect((await hookd(['token', 'create', '--app', 'nobody'])).stderr).toMatch(/no application/);
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
    }
  });
});
