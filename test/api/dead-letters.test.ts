import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/**
 * `/api/v1/dead-letter`: message deliveries whose retries are exhausted, across endpoints, and
 * their bulk retry. A whole hookd with a one-attempt schedule, and a loopback receiver that fails
 * until told otherwise.
 */
describe('/api/v1/dead-letter', () => {
  let hookd: TestHookd;
  let receiver: Receiver;
  let api: ApiClient;
  let failing = true;
  let first: string;
  let second: string;

  const deadLetters = async (query = '') => {
    const res = await api.get(`/api/v1/dead-letter?limit=250${query}`);
    expect(res.status, res.text).toBe(200);
    return res.body.data as { id: string; endpointId: string; msgId: string; eventType: string; url: string }[];
  };

  beforeAll(async () => {
    hookd = await startTestHookd({ retryScheduleSeconds: [] });
    receiver = await startReceiver(() => (failing ? 500 : 200));
    api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    expect((await api.post('/api/v1/app', { body: { name: 'Dead letters', uid: 'dl' } })).status).toBe(201);
    first = (await api.post('/api/v1/app/dl/endpoint', { body: { url: `${receiver.url}/first` } })).body.id;
    second = (await api.post('/api/v1/app/dl/endpoint', { body: { url: `${receiver.url}/second` } })).body.id;
    for (const eventType of ['a.b', 'a.b', 'c.d'])
      expect((await api.post('/api/v1/app/dl/msg', { body: { eventType, payload: {} } })).status).toBe(202);
    // Each of the six deliveries fails once, and with no retry left its outcome is recorded failed.
    await receiver.waitFor((requests) => requests.length === 6);
    while ((await deadLetters()).length < 6) await new Promise((resolve) => setTimeout(resolve, 50));
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  it('lists every exhausted delivery, newest first, filtered by application, endpoint and event type', async () => {
    const all = await deadLetters();
    expect(all.map((d) => d.id)).toEqual(
      all
        .map((d) => d.id)
        .sort()
        .reverse(),
    );
    expect(all.filter((d) => d.endpointId === first).every((d) => d.url === `${receiver.url}/first`)).toBe(true);
    expect(await deadLetters('&app=dl')).toHaveLength(6);
    expect(await deadLetters(`&endpoint=${second}`)).toHaveLength(3);
    expect((await deadLetters('&event_type=c.d')).map((d) => d.eventType)).toEqual(['c.d', 'c.d']);
    const paged = await api.get('/api/v1/dead-letter?limit=4');
    expect(paged.body).toMatchObject({ done: false });
    const rest = await api.get(`/api/v1/dead-letter?limit=4&iterator=${paged.body.iterator}`);
    expect([...paged.body.data, ...rest.body.data]).toEqual(all);
  });

  it('answers {code, detail} for bad input and an unknown application', async () => {
    const unknown = await api.get('/api/v1/dead-letter?app=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'not_found', detail: expect.stringContaining('application') });
    const badLimit = await api.get('/api/v1/dead-letter?limit=many');
    expect(badLimit.status).toBe(422);
    expect(badLimit.body.code).toBe('validation');
    const badBody = await api.post('/api/v1/dead-letter/retry', { body: { ids: [] } });
    expect(badBody.status).toBe(422);
    expect(JSON.stringify(badBody.body.detail)).toContain('ids');
    const extra = await api.post('/api/v1/dead-letter/retry', { body: { endpointId: first } });
    expect(extra.status).toBe(422);
  });

  it('is for admin tokens only: 401 without one, 403 for an app-portal token', async () => {
    expect((await api.get('/api/v1/dead-letter', { token: null })).status).toBe(401);
    const { url } = (await api.post('/api/v1/auth/app-portal-access/dl')).body as { url: string };
    const appToken = new URLSearchParams(new URL(url).hash.slice(1)).get('key')!;
    const forbidden = await api.get('/api/v1/dead-letter', { token: appToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ code: 'insufficient_access', detail: expect.stringContaining('admin') });
    expect((await api.post('/api/v1/dead-letter/retry', { token: appToken, body: {} })).status).toBe(403);
  });

  it('retries one by id, then in bulk, never to a disabled endpoint', async () => {
    failing = false;
    const [one] = await deadLetters(`&endpoint=${first}`);
    const sentBefore = receiver.requests.length;
    const retried = await api.post('/api/v1/dead-letter/retry', { body: { ids: [one.id] } });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ count: 1 });
    await receiver.waitFor((requests) => requests.length === sentBefore + 1);
    await expect.poll(async () => (await deadLetters()).length).toBe(5);
    expect((await deadLetters()).some((d) => d.id === one.id)).toBe(false);

    expect((await api.patch(`/api/v1/app/dl/endpoint/${second}`, { body: { disabled: true } })).status).toBe(200);
    const bulk = await api.post('/api/v1/dead-letter/retry', { body: { app: 'dl' } });
    expect(bulk.body).toEqual({ count: 2 }); // the first endpoint's two left; the disabled one's stay
    await receiver.waitFor((requests) => requests.length === sentBefore + 3);
    await expect.poll(async () => (await deadLetters()).map((d) => d.endpointId)).toEqual([second, second, second]);
    expect(receiver.requests.slice(sentBefore).every((r) => r.url.endsWith('/first'))).toBe(true);
  });
});
