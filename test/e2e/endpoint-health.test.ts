import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../helpers/api-client.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { waitUntil } from '../helpers/wait-until.js';

/**
 * The circuit breaker and the failure clock, on an accelerated configuration: a dead endpoint's
 * circuit opens, only probes reach it, and it closes when the endpoint recovers; an endpoint that
 * only fails for the configured time is disabled, `endpoint.disabled` is sent, and re-enabling
 * it plus `recover` delivers what waited.
 */

let hookd: TestHookd | null = null;
const receivers: Receiver[] = [];

afterEach(async () => {
  await hookd?.stop();
  for (const r of receivers.splice(0)) await r.close();
  hookd = null;
});

/** A receiver that answers 500 while `state.down`, else 200. */
async function flakyReceiver(state: { down: boolean }): Promise<Receiver> {
  const receiver = await startReceiver(() => (state.down ? 500 : 200));
  receivers.push(receiver);
  return receiver;
}

/** Distinct messages (webhook-id) the receiver answered 200 while up. */
const deliveredIds = (receiver: Receiver, upSince: number) =>
  new Set(receiver.requests.filter((r) => r.receivedAt >= upSince).map((r) => r.headers['webhook-id']));

async function circuitGauge(api: ReturnType<typeof createApiClient>, endpointId: string): Promise<number | null> {
  const text = (await api.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`hookd_endpoint_circuit_state{endpoint="${endpointId}"}`));
  return line === undefined ? null : Number(line.split(' ').pop());
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('endpoint health', { timeout: 60_000 }, () => {
  it('opens the circuit of a dead endpoint, sends only probes, and closes it when the endpoint recovers', async () => {
    const state = { down: true };
    const receiver = await flakyReceiver(state);
    const PROBE_MS = 500;
    hookd = await startTestHookd({
      // A retry every 200 ms: without the circuit, 10 messages would be 50 attempts a second.
      retryScheduleSeconds: [0, ...Array(40).fill(0.2)],
      circuitWindowMs: 10_000,
      circuitMinAttempts: 5,
      circuitFailurePercent: 50,
      circuitProbeIntervalMs: PROBE_MS,
    });
    const api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    const app = (await api.post('/api/v1/app', { body: { name: 'circuit' } })).body;
    const endpoint = (await api.post(`/api/v1/app/${app.id}/endpoint`, { body: { url: receiver.url } })).body;
    const path = `/api/v1/app/${app.id}/endpoint/${endpoint.id}`;
    expect((await api.get(path)).body.circuitState).toBe('closed');
    for (let i = 0; i < 10; i++)
      await api.post(`/api/v1/app/${app.id}/msg`, { body: { eventType: 'a', payload: { i } } });

    await waitUntil(async () => (await api.get(path)).body.circuitState !== 'closed');
    expect(['open', 'half-open']).toContain((await api.get(`${path}/stats`)).body.circuitState);
    expect([1, 2]).toContain(await circuitGauge(api, endpoint.id));
    // Open for 2 s: one probe per interval at most (each failed probe opens it for another interval).
    const before = receiver.requests.length;
    await sleep(2_000);
    const probes = receiver.requests.length - before;
    expect(probes).toBeLessThanOrEqual(2_000 / PROBE_MS + 1);
    expect(probes).toBeGreaterThanOrEqual(1);

    state.down = false;
    const upSince = Date.now();
    await receiver.waitFor(() => deliveredIds(receiver, upSince).size === 10, 30_000);
    await waitUntil(async () => (await api.get(path)).body.circuitState === 'closed');
    expect((await api.get(`${path}/stats`)).body.circuitState).toBe('closed');
    expect(await circuitGauge(api, endpoint.id)).toBe(0);
    const listed = (await api.get(`/api/v1/app/${app.id}/endpoint`)).body.data;
    expect(listed.map((e: { circuitState: string }) => e.circuitState)).toEqual(['closed']);
  });

  it('sends the deliveries the open circuit held as soon as an attempt gets through, not at the next probe', async () => {
    // One message's attempt is held by the receiver while the others fail and open the circuit;
    // when it is answered 200 the circuit closes, and what waited for the probe goes at once.
    const state = { down: true };
    let answerSlow: (() => void) | null = null;
    const receiver = await startReceiver((req, _n, res) => {
      if (JSON.parse(req.body).slow === true && answerSlow === null) {
        answerSlow = () => res.writeHead(200).end('ok');
        return;
      }
      return state.down ? 500 : 200;
    });
    receivers.push(receiver);
    const PROBE_MS = 60_000;
    hookd = await startTestHookd({
      retryScheduleSeconds: [0, ...Array(10).fill(0.2)],
      circuitWindowMs: 30_000,
      circuitMinAttempts: 5,
      circuitFailurePercent: 50,
      circuitProbeIntervalMs: PROBE_MS,
    });
    const api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    const app = (await api.post('/api/v1/app', { body: { name: 'held' } })).body;
    const endpoint = (await api.post(`/api/v1/app/${app.id}/endpoint`, { body: { url: receiver.url } })).body;
    const path = `/api/v1/app/${app.id}/endpoint/${endpoint.id}`;
    await api.post(`/api/v1/app/${app.id}/msg`, { body: { eventType: 'a', payload: { slow: true } } });
    await receiver.waitFor(() => answerSlow !== null);
    const msgIds: string[] = [];
    for (let i = 0; i < 6; i++)
      msgIds.push((await api.post(`/api/v1/app/${app.id}/msg`, { body: { eventType: 'a', payload: { i } } })).body.id);
    await waitUntil(async () => (await api.get(path)).body.circuitState === 'open');
    // Every failed message's retry came due and was held back until the probe, an interval on.
    const heldPast = Date.now() + PROBE_MS / 2;
    const nextAttempt = async (msgId: string) =>
      Date.parse((await api.get(`/api/v1/app/${app.id}/msg/${msgId}/endpoint`)).body.data[0].nextAttempt ?? '');
    await waitUntil(async () => (await Promise.all(msgIds.map(nextAttempt))).every((at) => at > heldPast));
    const failedBeforeRecovery = receiver.requests.length;

    state.down = false;
    const upSince = Date.now();
    answerSlow!();
    // Without the release they would wait for the probe, a whole interval after the circuit opened.
    await receiver.waitFor(() => deliveredIds(receiver, upSince).size === 6, PROBE_MS / 2);
    expect(Math.max(...receiver.requests.map((r) => r.receivedAt)) - upSince).toBeLessThan(PROBE_MS / 2);
    expect(failedBeforeRecovery).toBeGreaterThanOrEqual(1 + 5);
    expect((await api.get(path)).body.circuitState).toBe('closed');
  });

  it("shows a destination's circuit, and an operational endpoint's, in the API", async () => {
    const receiver = await flakyReceiver({ down: true });
    hookd = await startTestHookd({
      retryScheduleSeconds: [0, ...Array(10).fill(0.2)],
      circuitWindowMs: 30_000,
      circuitMinAttempts: 5,
      circuitFailurePercent: 50,
      circuitProbeIntervalMs: 60_000,
    });
    const api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    const operational = (await api.post('/api/v1/operational-webhook/endpoint', { body: { url: receiver.url } })).body;
    expect(operational.circuitState).toBe('closed');
    const source = (await api.post('/api/v1/source', { body: { name: 'shop' } })).body;
    const destination = (await api.post('/api/v1/destination', { body: { url: receiver.url } })).body;
    expect(destination.circuitState).toBe('closed');
    await api.post('/api/v1/connection', { body: { source: source.id, destination: destination.id } });
    for (let i = 0; i < 6; i++) await fetch(`${hookd.url}/in/${source.id}`, { method: 'POST', body: `{"i":${i}}` });

    const path = `/api/v1/destination/${destination.id}`;
    await waitUntil(async () => (await api.get(path)).body.circuitState === 'open');
    const listed = (await api.get('/api/v1/destination')).body.data;
    expect(listed.map((d: { circuitState: string }) => d.circuitState)).toEqual(['open']);
    expect((await api.get(`/api/v1/operational-webhook/endpoint/${operational.id}`)).body.circuitState).toBe('closed');
    const operators = (await api.get('/api/v1/operational-webhook/endpoint')).body.data;
    expect(operators.map((e: { circuitState: string }) => e.circuitState)).toEqual(['closed']);
  });

  it('disables an endpoint whose attempts only failed for the configured time; re-enabled plus recover delivers', async () => {
    const state = { down: true };
    const receiver = await flakyReceiver(state);
    const operator = await startReceiver();
    receivers.push(operator);
    const FAILING_MS = 1_500;
    hookd = await startTestHookd({
      retryScheduleSeconds: [0, ...Array(40).fill(0.3)],
      disableAfterFailingMs: FAILING_MS,
      // The circuit stays out of it: every retry is an attempt.
      circuitFailurePercent: 101,
    });
    const api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    await api.post('/api/v1/operational-webhook/endpoint', { body: { url: operator.url } });
    const app = (await api.post('/api/v1/app', { body: { name: 'failing' } })).body;
    const endpoint = (await api.post(`/api/v1/app/${app.id}/endpoint`, { body: { url: receiver.url } })).body;
    const path = `/api/v1/app/${app.id}/endpoint/${endpoint.id}`;
    const startedAt = Date.now();
    await api.post(`/api/v1/app/${app.id}/msg`, { body: { eventType: 'a', payload: { n: 1 } } });

    await waitUntil(async () => (await api.get(path)).body.disabled === true);
    // Not before the failure clock ran its time, from the first failure.
    const failures = receiver.requests.map((r) => r.receivedAt);
    expect(failures[failures.length - 1] - failures[0]).toBeGreaterThanOrEqual(FAILING_MS);
    const disabledEvent = () =>
      operator.requests
        .map((r) => JSON.parse(r.body) as { type: string; data: { endpointId: string; failSince: string } })
        .find((event) => event.type === 'endpoint.disabled' && event.data.endpointId === endpoint.id);
    await operator.waitFor(() => disabledEvent() !== undefined, 20_000);
    // failSince: when the failures began (the first failed attempt's outcome, before the retry
    // went out), not the last attempt's time.
    const failSince = Date.parse(disabledEvent()!.data.failSince);
    expect(failSince).toBeGreaterThanOrEqual(startedAt);
    expect(failSince).toBeLessThan(failures[1]);
    // Disabled: a later message is not attempted.
    const attemptsWhenDisabled = receiver.requests.length;
    await api.post(`/api/v1/app/${app.id}/msg`, { body: { eventType: 'a', payload: { n: 2 } } });
    await sleep(1_000);
    expect(receiver.requests.length).toBe(attemptsWhenDisabled);

    state.down = false;
    const upSince = Date.now();
    expect((await api.patch(path, { body: { disabled: false } })).status).toBe(200);
    const recover = await api.post(`${path}/recover`, { body: { since: new Date(startedAt - 1000).toISOString() } });
    expect(recover.status).toBe(202);
    // The failed message is sent again; the one sent while it was disabled never had a delivery
    // (as in Svix): replay-missing sends it.
    await receiver.waitFor(() => deliveredIds(receiver, upSince).size === 1, 20_000);
    await api.post(`${path}/replay-missing`, { body: { since: new Date(startedAt - 1000).toISOString() } });
    await receiver.waitFor(() => deliveredIds(receiver, upSince).size === 2, 20_000);
    expect((await api.get(path)).body.disabled).toBe(false);
  });
});
