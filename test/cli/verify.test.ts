import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../helpers/api-client.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * `hookd verify` on a request captured by hookd: `hookd trigger` sends a signed Stripe event to a
 * capture source; the stored request verifies by id and as a saved file, and a tampered copy, a
 * wrong secret and a late check each fail with their reason.
 */
const SECRET = 'whsec_test_5b3c0e8a1f2d4c6b8a9e7d5c3b1a0f2e';
let hookd: TestHookd;
let dir: string;
let env: Record<string, string>;
let captured: { id: string; body: string; headers: [string, string][]; [field: string]: unknown };

beforeAll(async () => {
  hookd = await startTestHookd();
  dir = mkdtempSync(join(tmpdir(), 'hookd-cli-verify-'));
  env = { HOOKD_SERVER: hookd.url, HOOKD_TOKEN: TEST_ADMIN_TOKEN, XDG_CONFIG_HOME: dir };
  const api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
  expect((await api.post('/api/v1/source', { body: { name: 'capture', uid: 'capture' } })).status).toBe(201);
  const sent = await runCli([
    'trigger',
    'stripe',
    'charge.succeeded',
    '--to',
    `${hookd.url}/in/capture`,
    '--secret',
    SECRET,
  ]);
  expect(sent.code).toBe(0);
  const list = await api.get('/api/v1/source/capture/request');
  expect(list.body.data).toHaveLength(1);
  captured = list.body.data[0];
});

afterAll(async () => {
  await hookd.stop();
  rmSync(dir, { recursive: true, force: true });
});

function save(name: string, request: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(request));
  return path;
}

describe('hookd verify', () => {
  it('says valid for the stored request, by id and from a saved file (exit 0)', async () => {
    const byId = await runCli(['verify', '--provider', 'stripe', '--secret', SECRET, '--request', captured.id], {
      env,
    });
    expect(byId.stdout).toMatch(/^valid signature \(stripe\)$/m);
    expect(byId.code).toBe(0);
    const file = save('capture.json', captured);
    const fromFile = await runCli(['verify', '--provider', 'stripe', '--secret', SECRET, '--file', file]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/^valid signature/m);
  });

  it('says why a tampered capture, a wrong secret or a late check fails (exit 1)', async () => {
    const body = Buffer.from(captured.body, 'base64').toString().replace('"amount":2000', '"amount":1');
    const tampered = save('tampered.json', { ...captured, body: Buffer.from(body).toString('base64') });
    const altered = await runCli(['verify', '--provider', 'stripe', '--secret', SECRET, '--file', tampered]);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toMatch(/^invalid signature \(stripe\): wrong secret, or the body .* was altered$/m);
    expect(altered.stdout).toMatch(/signature_invalid: /);

    const file = save('capture.json', captured);
    const wrong = await runCli(['verify', '--provider', 'stripe', '--secret', 'whsec_other', '--file', file]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/signature_invalid/);

    const late = await runCli([
      'verify',
      '--provider',
      'stripe',
      '--secret',
      SECRET,
      '--file',
      file,
      '--at',
      '2099-01-01T00:00:00Z',
      '--json',
    ]);
    expect(late.code).toBe(1);
    expect(JSON.parse(late.stdout)).toMatchObject({ valid: false, cause: 'timestamp_out_of_window' });

    const { headers, ...rest } = captured;
    const unsigned = save('unsigned.json', {
      ...rest,
      headers: headers.filter(([name]) => name !== 'stripe-signature'),
    });
    const missing = await runCli(['verify', '--provider', 'stripe', '--secret', SECRET, '--file', unsigned]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/header missing/);
  });

  it('refuses bad arguments with exit 2, and an unknown request id with exit 1', async () => {
    const neither = await runCli(['verify', '--provider', 'stripe', '--secret', SECRET]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/--file <request.json> or --request <id>/);
    const badType = await runCli(['verify', '--provider', 'acme', '--secret', SECRET, '--file', save('x.json', {})]);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/unknown type "acme"/);
    const unknown = await runCli(['verify', '--provider', 'stripe', '--secret', SECRET, '--request', 'req_nope'], {
      env,
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no request "req_nope"/);
  });
});
