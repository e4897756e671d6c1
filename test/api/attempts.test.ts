import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { recordAttempts } from '../helpers/attempts.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

describe('attempts, attempted messages and destinations, resend', () => {
  let server: TestServer;
  let api: ApiClient;
  const base = '/api/v1/app/att';
  let ep1: string;
  let ep2: string;
  let msgId: string;
  let failedAttempt: string;
  let nextAttemptAt: number;

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
    await api.post('/api/v1/app', { body: { name: 'Attempts', uid: 'att' } });
    ep1 = (await api.post(`${base}/endpoint`, { body: { url: 'https://one.example.com/', uid: 'ep-one' } })).body.id;
    ep2 = (await api.post(`${base}/endpoint`, { body: { url: 'https://two.example.com/' } })).body.id;
    msgId = (await api.post(`${base}/msg`, { body: { eventType: 'a.b', payload: { n: 1 } } })).body.id;
    // First try fails on both endpoints and is retried later; the second try succeeds.
    nextAttemptAt = Date.now() - 1;
    [failedAttempt] = await recordAttempts(server.store, {
      status: 'fail',
      deliveryStatus: 'pending',
      nextAttemptAt,
      response: 'upstream down',
    });
    await recordAttempts(server.store, { status: 'success', response: '{"ok":true}' });
  });
  afterAll(() => server?.close());

  it("lists an endpoint's attempts (MessageAttemptOut), newest first, by endpoint id or uid", async () => {
    const res = await api.get(`${base}/attempt/endpoint/${ep1}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(2);
    const [latest, earlier] = res.body.data;
    expect(latest).toEqual({
      id: expect.stringMatching(/^atmpt_/),
      msgId,
      endpointId: ep1,
      url: 'https://one.example.com/',
      response: '{"ok":true}',
      responseStatusCode: 200,
      responseDurationMs: 12,
      status: 0,
      statusText: 'success',
      triggerType: 0,
      timestamp: expect.any(String),
      requestHeaders: expect.any(Object),
    });
    expect(earlier).toMatchObject({ status: 2, statusText: 'fail', responseStatusCode: 500 });
    expect((await api.get(`${base}/attempt/endpoint/ep-one`)).body.data).toHaveLength(2);
  });

  it('filters attempts by status; pending/sending match no attempt', async () => {
    const ok = await api.get(`${base}/attempt/endpoint/${ep1}?status=0`);
    expect(ok.body.data.map((a: { status: number }) => a.status)).toEqual([0]);
    const failed = await api.get(`${base}/attempt/endpoint/${ep1}?status=2`);
    expect(failed.body.data.map((a: { status: number }) => a.status)).toEqual([2]);
    expect((await api.get(`${base}/attempt/endpoint/${ep1}?status=1`)).body).toEqual({
      data: [],
      iterator: null,
      prevIterator: null,
      done: true,
    });
  });

  it('with_content=false blanks attempt responses', async () => {
    const res = await api.get(`${base}/attempt/endpoint/${ep1}?with_content=false`);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(res.body.data.every((a: { response: string }) => a.response === '')).toBe(true);
  });

  it("lists a message's attempts, optionally for one endpoint", async () => {
    expect((await api.get(`${base}/attempt/msg/${msgId}`)).body.data).toHaveLength(4);
    const one = await api.get(`${base}/attempt/msg/${msgId}?endpoint_id=${ep2}`);
    expect(one.body.data).toHaveLength(2);
    expect(one.body.data.every((a: { endpointId: string }) => a.endpointId === ep2)).toBe(true);
    expect((await api.get(`${base}/attempt/msg/${msgId}?endpoint_id=ep_nope`)).status).toBe(404);
  });

  it('gets one attempt; expunges its content (204)', async () => {
    const res = await api.get(`${base}/msg/${msgId}/attempt/${failedAttempt}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: failedAttempt, response: 'upstream down', status: 2 });
    expect((await api.delete(`${base}/msg/${msgId}/attempt/${failedAttempt}/content`)).status).toBe(204);
    expect((await api.get(`${base}/msg/${msgId}/attempt/${failedAttempt}`)).body.response).not.toContain(
      'upstream down',
    );
  });

  it('lists the messages attempted to an endpoint, with delivery state (EndpointMessageOut)', async () => {
    const res = await api.get(`${base}/endpoint/${ep1}/msg`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      {
        id: msgId,
        eventType: 'a.b',
        eventId: null,
        channels: null,
        payload: { n: 1 },
        timestamp: expect.any(String),
        status: 0,
        statusText: 'success',
        nextAttempt: null,
      },
    ]);
    expect((await api.get(`${base}/endpoint/${ep1}/msg?status=2`)).body.data).toEqual([]);
    expect((await api.get(`${base}/endpoint/${ep1}/msg?with_content=false`)).body.data[0].payload).toEqual({});
    expect((await api.get(`${base}/endpoint/${ep1}/msg?event_types=x.y`)).body.data).toEqual([]);
  });

  it("lists a message's destinations, with delivery state (MessageEndpointOut)", async () => {
    const res = await api.get(`${base}/msg/${msgId}/endpoint`);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(2);
    expect(res.body.data[0]).toMatchObject({
      id: expect.stringMatching(/^ep_/),
      url: expect.any(String),
      status: 0,
      statusText: 'success',
      nextAttempt: null,
    });
  });

  it('resends a message to an endpoint (202), as a manual attempt', async () => {
    const res = await api.post(`${base}/msg/${msgId}/endpoint/${ep1}/resend`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({});
    await recordAttempts(server.store, { status: 'success' });
    const latest = (await api.get(`${base}/attempt/endpoint/${ep1}`)).body.data[0];
    expect(latest.triggerType).toBe(1);
  });

  it('reports pending deliveries with their next attempt, and canceled as fail unless expanded_statuses', async () => {
    const msg2 = (await api.post(`${base}/msg`, { body: { eventType: 'later', payload: {} } })).body.id;
    const retryAt = Date.now() + 60_000;
    await recordAttempts(server.store, { status: 'fail', deliveryStatus: 'pending', nextAttemptAt: retryAt });
    const dest = await api.get(`${base}/msg/${msg2}/endpoint`);
    expect(dest.body.data[0]).toMatchObject({
      status: 1,
      statusText: 'pending',
      nextAttempt: new Date(retryAt).toISOString(),
    });

    const msg3 = (await api.post(`${base}/msg`, { body: { eventType: 'cancel', payload: {} } })).body.id;
    await recordAttempts(server.store, { status: 'fail', deliveryStatus: 'canceled' });
    expect((await api.get(`${base}/msg/${msg3}/endpoint`)).body.data[0]).toMatchObject({
      status: 2,
      statusText: 'fail',
    });
    expect((await api.get(`${base}/msg/${msg3}/endpoint?expanded_statuses=true`)).body.data[0]).toMatchObject({
      status: 4,
      statusText: 'canceled',
    });
  });

  it('answers 404 for unknown apps, endpoints, messages and attempts', async () => {
    const paths = [
      '/api/v1/app/nope/attempt/endpoint/ep_x',
      `${base}/attempt/endpoint/ep_nope`,
      `${base}/attempt/msg/msg_nope`,
      `${base}/msg/msg_nope/attempt/atmpt_x`,
      `${base}/msg/${msgId}/attempt/atmpt_nope`,
      `${base}/endpoint/ep_nope/msg`,
      `${base}/msg/msg_nope/endpoint`,
    ];
    for (const path of paths) expect((await api.get(path)).status, path).toBe(404);
    expect((await api.delete(`${base}/msg/${msgId}/attempt/atmpt_nope/content`)).status).toBe(404);
    expect((await api.post(`${base}/msg/msg_nope/endpoint/${ep1}/resend`)).status).toBe(404);
    expect((await api.post(`${base}/msg/${msgId}/endpoint/ep_nope/resend`)).status).toBe(404);
  });

  it('refuses bad queries with 422', async () => {
    for (const query of [
      'status=7',
      'status=ok',
      'limit=251',
      'before=soon',
      'with_content=maybe',
      'expanded_statuses=2',
    ]) {
      const res = await api.get(`${base}/attempt/endpoint/${ep1}?${query}`);
      expect(res.status, query).toBe(422);
      expect(res.body.detail[0].loc[0]).toBe('query');
    }
    expect((await api.get(`${base}/endpoint/${ep1}/msg?status=9`)).status).toBe(422);
    expect((await api.get(`${base}/msg/${msgId}/endpoint?limit=-1`)).status).toBe(422);
  });
});
