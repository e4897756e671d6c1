import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { startTestHookd, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/**
 * With the engine running (deliveries handed to it at creation, no claim in between): no path that
 * creates a delivery sends to a disabled endpoint or destination. Each case ends on a barrier, a
 * later delivery to an enabled target that arrives, and then counts what the disabled one got.
 */
describe('a disabled target is never sent to, with the engine running', () => {
  let hookd: TestHookd;
  let api: ApiClient;
  let on: Receiver;
  let off: Receiver;

  beforeAll(async () => {
    hookd = await startTestHookd();
    api = createApiClient(hookd.url, hookd.config.adminToken);
    on = await startReceiver();
    off = await startReceiver();
  });
  afterAll(async () => {
    await hookd?.stop();
    await on?.close();
    await off?.close();
  });

  it('send-example, fan-out, resend, recover and replay-missing to a disabled endpoint send nothing', async () => {
    const base = '/api/v1/app/disabled';
    await api.post('/api/v1/app', { body: { name: 'Disabled', uid: 'disabled' } });
    await api.post('/api/v1/event-type', { body: { name: 'off.example', description: '' } });
    const enabled = (await api.post(`${base}/endpoint`, { body: { url: on.url } })).body.id;
    const disabled = (await api.post(`${base}/endpoint`, { body: { url: off.url, disabled: true } })).body.id;

    const example = await api.post(`${base}/endpoint/${disabled}/send-example`, { body: { eventType: 'off.example' } });
    expect(example.status).toBe(200);
    const msg = (await api.post(`${base}/msg`, { body: { eventType: 'off.example', payload: { n: 1 } } })).body.id;
    expect((await api.post(`${base}/msg/${msg}/endpoint/${disabled}/resend`)).status).toBe(202);
    const since = new Date(0).toISOString();
    expect((await api.post(`${base}/endpoint/${disabled}/recover`, { body: { since } })).status).toBe(202);
    expect((await api.post(`${base}/endpoint/${disabled}/replay-missing`, { body: { since } })).status).toBe(202);

    // Barrier: the enabled endpoint got the message, and a later one.
    const last = (await api.post(`${base}/msg`, { body: { eventType: 'off.example', payload: { n: 2 } } })).body.id;
    await on.waitFor((reqs) => reqs.some((r) => r.headers['webhook-id'] === last));
    expect(on.requests.map((r) => r.headers['webhook-id'])).toContain(msg);
    const stats = (await api.get(`${base}/endpoint/${disabled}/stats`)).body;
    expect(stats).toMatchObject({ success: 0, pending: 0, sending: 0, fail: 0, canceled: 2 });
    expect(off.requests).toHaveLength(0);
    expect((await api.get(`${base}/attempt/endpoint/${disabled}`)).body.data).toEqual([]);
    expect(enabled).toMatch(/^ep_/);
  });

  it("retrying a disabled destination's event and replaying its request send nothing", async () => {
    const source = (await api.post('/api/v1/source', { body: { name: 'plain' } })).body;
    const destination = (await api.post('/api/v1/destination', { body: { name: 'later off', url: `${off.url}/in` } }))
      .body;
    const open = (await api.post('/api/v1/destination', { body: { name: 'open', url: `${on.url}/in` } })).body;
    for (const d of [destination, open])
      await api.post('/api/v1/connection', { body: { source: source.id, destination: d.id } });
    const post = (body: string) =>
      request(`${hookd.url}/in/${source.id}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    await (await post('first')).body.text();
    await off.waitFor((reqs) => reqs.some((r) => r.body === 'first'));
    const event = (await api.get(`/api/v1/event?destination=${destination.id}`)).body.data[0];
    await expect.poll(async () => (await api.get(`/api/v1/event/${event.id}`)).body.status).toBe('success');

    await api.patch(`/api/v1/destination/${destination.id}`, { body: { disabled: true } });
    expect((await api.post(`/api/v1/event/${event.id}/retry`)).status).toBe(202);
    const replay = await api.post(`/api/v1/request/${event.requestId}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body.data.map((e: { destinationId: string }) => e.destinationId)).toEqual([open.id]);
    await expect.poll(async () => (await api.get(`/api/v1/event/${event.id}`)).body.status).toBe('canceled');

    // Barrier: a later request reaches the enabled destination.
    await (await post('second')).body.text();
    await on.waitFor((reqs) => reqs.some((r) => r.body === 'second'));
    expect(off.requests.filter((r) => r.url.startsWith('/hook/in')).map((r) => r.body)).toEqual(['first']);
  });
});
