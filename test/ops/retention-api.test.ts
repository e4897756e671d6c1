import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetention } from '../../src/retention/retention-job.js';
import { DAY_MS } from '../../src/store/retention-fields.js';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { HOOKD_CLI, ROOT } from '../helpers/hookd-build.js';
import { startTestHookd, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/** Retention through the API: with the clock moved forward, payloads and bodies are gone and the API says so. */
describe('retention through the API', () => {
  let hookd: TestHookd;
  let api: ApiClient;
  let receiver: Receiver;
  let appId: string;

  beforeAll(async () => {
    hookd = await startTestHookd();
    api = createApiClient(hookd.url, hookd.config.adminToken);
    receiver = await startReceiver((_req, _n, res) => {
      res.writeHead(200).end('receiver-said-hello');
    });
    appId = (await api.post('/api/v1/app', { body: { name: 'retention' } })).body.id;
    await api.post(`/api/v1/app/${appId}/endpoint`, { body: { url: receiver.url } });
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  /** Sends a message with `period` days of payload retention (none: the server's default); resolves once its attempt is recorded. */
  async function sendDelivered(label: string, period?: number): Promise<string> {
    const body = { eventType: 'x', payload: { label }, ...(period ? { payloadRetentionPeriod: period } : {}) };
    const sent = await api.post(`/api/v1/app/${appId}/msg`, { body });
    expect(sent.status, sent.text).toBe(202);
    await waitFor(async () => (await attemptsOf(sent.body.id)).length === 1);
    return sent.body.id;
  }

  const attemptsOf = async (msgId: string) =>
    (await api.get(`/api/v1/app/${appId}/attempt/msg/${msgId}`)).body.data as { response: string }[];
  const payloadOf = async (msgId: string) => (await api.get(`/api/v1/app/${appId}/msg/${msgId}`)).body.payload;

  it('clears a payload and its attempts’ responses when its payloadRetentionPeriod ends, and deletes the message after the history window', async () => {
    const short = await sendDelivered('short', 1);
    const long = await sendDelivered('long', 5);
    expect((await attemptsOf(short))[0].response).toBe('receiver-said-hello');

    const counts = await runRetention(hookd.store.retention, hookd.config, Date.now() + 1.5 * DAY_MS);
    expect(counts.payloadsExpired).toBe(1);
    // As Svix shows an expunged payload: `{}` in MessageOut.
    expect(await payloadOf(short)).toEqual({});
    expect((await attemptsOf(short))[0].response).toBe('');
    expect(await payloadOf(long)).toEqual({ label: 'long' });
    expect((await attemptsOf(long))[0].response).toBe('receiver-said-hello');

    await runRetention(
      hookd.store.retention,
      hookd.config,
      Date.now() + (hookd.config.historyRetentionDays + 1) * DAY_MS,
    );
    expect((await api.get(`/api/v1/app/${appId}/msg/${short}`)).status).toBe(404);
    expect((await api.get(`/api/v1/app/${appId}/msg/${long}`)).status).toBe(404);
  });

  it('hookd prune --before DATE clears earlier payloads whatever their period', async () => {
    const kept = await sendDelivered('default period');
    const bad = await cli(['prune', '--before', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/--before DATE/);
    const tomorrow = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
    const pruned = await cli(['prune', '--before', tomorrow]);
    expect(pruned.output).toMatch(/pruned 1 message payloads and 0 request bodies/);
    expect(pruned.code).toBe(0);
    expect(await payloadOf(kept)).toEqual({});
  });

  it('clears a received request’s body and headers after the request retention, and says so', async () => {
    const source = (await api.post('/api/v1/source', { body: { name: 'in', verification: { type: 'none' } } })).body;
    const destination = (await api.post('/api/v1/destination', { body: { name: 'out', url: `${receiver.url}/fwd` } }))
      .body;
    await api.post('/api/v1/connection', { body: { source: source.id, destination: destination.id } });
    const before = receiver.requests.length;
    const res = await request(`${hookd.url}/in/${source.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-provider-token': 'abc' },
      body: '{"order":1}',
    });
    await res.body.dump();
    await receiver.waitFor((r) => r.length > before);
    const [stored] = (await api.get(`/api/v1/source/${source.id}/request`)).body.data;
    expect(stored).toMatchObject({ bodyExpired: false, bodySize: 11 });
    await waitFor(async () => (await api.get(`/api/v1/request/${stored.id}/event`)).body.data[0]?.status === 'success');

    const counts = await runRetention(
      hookd.store.retention,
      hookd.config,
      Date.now() + (hookd.config.requestRetentionDays + 1) * DAY_MS,
    );
    expect(counts.requestsPruned).toBe(1);
    const pruned = (await api.get(`/api/v1/request/${stored.id}`)).body;
    expect(pruned).toMatchObject({ bodyExpired: true, body: '', headers: [], bodySize: 11 });
  });

  async function cli(args: string[]) {
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([n]) => !n.startsWith('HOOKD_'))),
      HOOKD_DATA_DIR: hookd.config.dataDir,
      ...(hookd.config.databaseUrl ? { HOOKD_DATABASE_URL: hookd.config.databaseUrl } : {}),
    };
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [HOOKD_CLI, ...args], { cwd: ROOT, env });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, output: e.stdout + e.stderr };
    }
  }
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
