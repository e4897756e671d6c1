import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../helpers/api-client.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { freePort } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';

let hookd: TestHookd;
let failing: Receiver;
let configHome: string;
/** The CLI's environment: this hookd and token, and a login file of its own. */
let env: Record<string, string>;

beforeAll(async () => {
  hookd = await startTestHookd();
  failing = await startReceiver(() => 500);
  configHome = mkdtempSync(join(tmpdir(), 'hookd-cli-login-'));
  env = { HOOKD_SERVER: hookd.url, HOOKD_TOKEN: TEST_ADMIN_TOKEN, XDG_CONFIG_HOME: configHome };
  const api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
  // A capture source of this same hookd is the endpoint: the webhook is seen from both sides.
  expect((await api.post('/api/v1/source', { body: { name: 'inbox', uid: 'inbox' } })).status).toBe(201);
  expect((await api.post('/api/v1/app', { body: { name: 'Acme', uid: 'acme' } })).status).toBe(201);
  const endpoint = { url: `${hookd.url}/in/inbox`, filterTypes: ['invoice.paid'] };
  expect((await api.post('/api/v1/app/acme/endpoint', { body: endpoint })).status).toBe(201);
  const down = { url: failing.url, filterTypes: ['invoice.failed'] };
  expect((await api.post('/api/v1/app/acme/endpoint', { body: down })).status).toBe(201);
});

afterAll(async () => {
  await hookd.stop();
  await failing.close();
  rmSync(configHome, { recursive: true, force: true });
});

describe('hookd send', () => {
  it('sends, waits, and shows the request as it arrived with a valid signature', async () => {
    const run = await runCli(
      ['send', '--app', 'acme', '--event-type', 'invoice.paid', '--payload', '{"id":"in_1"}', '--wait'],
      { env },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^sent msg_\w+ \(invoice\.paid\) to acme$/m);
    expect(run.stdout).toMatch(/^delivered to .*\/in\/inbox: 200 /m);
    expect(run.stdout).toMatch(/^POST \/in\/inbox$/m);
    expect(run.stdout).toMatch(/^webhook-signature: v1,/m);
    expect(run.stdout).toMatch(/^\{"id":"in_1"\}$/m);
    expect(run.stdout).toMatch(/^valid signature/m);
  });

  it('sends the payload as written, numbers and all, and prints it so with --json', async () => {
    const payload = '{"amount":12345678901234567890,"rate":1.0,"tiny":1e-400}';
    const run = await runCli(['send', '--app', 'acme', '--event-type', 'invoice.paid', '--wait', '--json'], {
      env,
      input: payload,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`"payload":${payload}}`);
    const { deliveries } = JSON.parse(run.stdout);
    expect(Buffer.from(deliveries[0].arrived.request.body, 'base64').toString()).toBe(payload);
  });

  it('reads the payload from stdin and prints one JSON object with --json', async () => {
    const run = await runCli(['send', '--app', 'acme', '--event-type', 'invoice.paid', '--wait', '--json'], {
      env,
      input: '{"id":"in_2","amount":4200}',
    });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(true);
    expect(result.message.payload).toEqual({ id: 'in_2', amount: 4200 });
    expect(result.deliveries).toHaveLength(1);
    expect(result.deliveries[0].state).toBe('delivered');
    expect(result.deliveries[0].arrived.signature).toEqual({ valid: true });
    expect(Buffer.from(result.deliveries[0].arrived.request.body, 'base64').toString()).toBe(
      '{"id":"in_2","amount":4200}',
    );
  });

  it('exits 1 with the failed attempt when the endpoint answers 500', async () => {
    const run = await runCli(['send', '--app', 'acme', '--event-type', 'invoice.failed', '--payload', '{}', '--wait'], {
      env,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^failed at http:\/\/127\.0\.0\.1:\d+\/\S*: 500 in \d+ ms.*hookd retries at /m);
  });

  it('without --wait prints the message id and exits 0', async () => {
    const run = await runCli(['send', '--app', 'acme', '--event-type', 'invoice.paid', '--payload', '{}'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^sent msg_\w+/);
  });
});

describe('the client commands fail clearly', () => {
  const args = ['send', '--app', 'acme', '--event-type', 'invoice.paid', '--payload', '{}'];

  it('names an unreachable server, a refused token and an unknown application', async () => {
    const closedPort = await freePort();
    const unreachable = await runCli(args, { env: { ...env, HOOKD_SERVER: `http://127.0.0.1:${closedPort}` } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach hookd at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);

    const badToken = await runCli(args, { env: { ...env, HOOKD_TOKEN: 'sk_not-a-token' } });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/refused the token \(401/);

    const unknownApp = await runCli(['send', '--app', 'nope', '--event-type', 'x', '--payload', '{}'], { env });
    expect(unknownApp.code).toBe(1);
    expect(unknownApp.stderr).toMatch(/no application "nope"/);
  });

  it('refuses a payload that is not a JSON object, and a missing option, with exit 2', async () => {
    const notJson = await runCli(['send', '--app', 'acme', '--event-type', 'x', '--payload', '{nope'], { env });
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/--payload: not valid JSON/);
    const array = await runCli(['send', '--app', 'acme', '--event-type', 'x', '--payload', '[1]'], { env });
    expect(array.stderr).toMatch(/must be a JSON object/);
    const missing = await runCli(['send', '--event-type', 'x'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--app/);
  });
});

describe('hookd login', () => {
  it('checks the token, saves it with mode 0600, and later commands use it', async () => {
    const bare = { XDG_CONFIG_HOME: configHome };
    const refused = await runCli(['login', '--server', hookd.url, '--token', 'sk_not-a-token'], { env: bare });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused the token/);

    const ok = await runCli(['login', '--server', hookd.url, '--token', TEST_ADMIN_TOKEN], { env: bare });
    expect(ok.code).toBe(0);
    const file = join(configHome, 'hookd', 'login.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const sent = await runCli(['send', '--app', 'acme', '--event-type', 'invoice.paid', '--payload', '{}'], {
      env: bare,
    });
    expect(sent.code).toBe(0);
    // A flag beats the saved login.
    const flagged = await runCli(
      ['send', '--app', 'acme', '--event-type', 'x', '--payload', '{}', '--token', 'sk_not-a-token'],
      { env: bare },
    );
    expect(flagged.stderr).toMatch(/refused the token/);
  });
});

describe('hookd api', () => {
  it('sends the body as written and prints the answer from its text: no number changes either way', async () => {
    const body = '{"eventType":"x.y","payload":{"n":12345678901234567890,"f":1.0}}';
    const run = await runCli(['api', 'POST', '/api/v1/app/acme/msg', body], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('"payload": {\n    "n": 12345678901234567890,\n    "f": 1.0\n  }');
    const notJson = await runCli(['api', 'POST', '/api/v1/app', '{nope'], { env });
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('[json]: not valid JSON');
  });
});
