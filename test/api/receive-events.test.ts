import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { ClaimedEvent, Store } from '../../src/store/store.js';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/** Not valid UTF-8, with a NUL: the base64 body must carry these bytes. */
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]);

describe('/api/v1 requests and events', () => {
  let server: TestServer;
  let api: ApiClient;
  let store: Store;
  let source: { id: string };
  let destination: { id: string };
  let connection: { id: string };

  const receive = (overrides: Record<string, unknown> = {}, routed = true) =>
    store.inbound.receive(
      {
        sourceId: source.id,
        method: 'POST',
        path: '/orders/7?expand=1&x=2',
        headers: [
          ['Content-Type', 'application/octet-stream'],
          ['x-a', '1'],
          ['X-A', '2'],
        ],
        body: BINARY,
        ...overrides,
      },
      routed ? [{ connectionId: connection.id, destinationId: destination.id }] : [],
      null,
      Date.now(),
    );

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
    store = server.store;
    source = (await api.post('/api/v1/source', { body: { name: 'Shop', uid: 'shop' } })).body;
    destination = (await api.post('/api/v1/destination', { body: { url: 'https://svc.example.test/in', uid: 'svc' } }))
      .body;
    connection = (await api.post('/api/v1/connection', { body: { source: 'shop', destination: 'svc' } })).body;
  });
  afterAll(() => server?.close());

  it("lists a source's requests newest first, in the RequestOut shape, filtered by status", async () => {
    const accepted = await receive();
    const rejected = await receive(
      { status: 'rejected', cause: 'signature_invalid', detail: 'no signature matched' },
      false,
    );
    const res = await api.get('/api/v1/source/shop/request');
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.map((r: { id: string }) => r.id).slice(0, 2)).toEqual([
      rejected.request.id,
      accepted.request.id,
    ]);
    expect(res.body.data[1]).toEqual({
      id: accepted.request.id,
      sourceId: source.id,
      method: 'POST',
      path: '/orders/7',
      query: 'expand=1&x=2',
      headers: [
        ['Content-Type', 'application/octet-stream'],
        ['x-a', '1'],
        ['X-A', '2'],
      ],
      body: BINARY.toString('base64'),
      bodySize: BINARY.length,
      bodyExpired: false,
      status: 'accepted',
      cause: null,
      detail: null,
      receivedAt: expect.any(String),
    });
    const onlyRejected = await api.get('/api/v1/source/shop/request?status=rejected');
    expect(onlyRejected.body.data).toEqual([
      expect.objectContaining({ id: rejected.request.id, cause: 'signature_invalid', detail: 'no signature matched' }),
    ]);
    expect((await api.get(`/api/v1/request/${accepted.request.id}`)).body).toEqual(res.body.data[1]);
    expect((await api.get('/api/v1/request/req_missing')).body).toEqual({
      code: 'not_found',
      detail: 'request not found',
    });
    expect((await api.get('/api/v1/source/nope/request')).status).toBe(404);
  });

  it("lists a request's events, and events by source, connection, destination and status", async () => {
    const { request, events } = await receive();
    expect(events).toHaveLength(1);
    const res = await api.get(`/api/v1/request/${request.id}/event`);
    expect(res.body.data).toEqual([
      {
        id: events[0].id,
        requestId: request.id,
        connectionId: connection.id,
        destinationId: destination.id,
        status: 'pending',
        attemptCount: 0,
        nextAttempt: expect.any(String),
        trigger: 0,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    ]);
    for (const query of ['source=shop', `connection=${connection.id}`, 'destination=svc', 'status=pending']) {
      const list = await api.get(`/api/v1/event?${query}`);
      expect(
        list.body.data.map((e: { id: string }) => e.id),
        query,
      ).toContain(events[0].id);
    }
    expect((await api.get('/api/v1/event?status=success')).body.data).toEqual([]);
    expect((await api.get(`/api/v1/event/${events[0].id}`)).body).toEqual(res.body.data[0]);
    expect((await api.get('/api/v1/event/evt_missing')).status).toBe(404);
  });

  it('shows attempts in the sending API shape; retries one event and ended events in bulk', async () => {
    const { events } = await receive();
    const now = Date.now();
    const claimed = (await store.queue.claim('w', 1000, 60_000, now)).filter(
      (c): c is ClaimedEvent => c.kind === 'event',
    );
    await store.queue.record(
      'w',
      claimed.map((c) => ({
        attempt: {
          kind: 'event' as const,
          id: newId('atmpt', now),
          deliveryId: c.delivery.id,
          requestId: c.request.id,
          destinationId: c.destination.id,
          url: c.destination.url,
          status: 'fail' as const,
          responseStatusCode: 503,
          response: 'down',
          responseDurationMs: 7,
          requestHeaders: {},
          trigger: c.delivery.trigger,
          createdAt: now,
        },
        status: 'fail' as const,
        nextAttemptAt: null,
      })),
      now,
    );
    const attempts = await api.get(`/api/v1/event/${events[0].id}/attempt`);
    expect(attempts.body.data).toEqual([
      {
        id: expect.stringMatching(/^atmpt_/),
        eventId: events[0].id,
        requestId: events[0].requestId,
        destinationId: destination.id,
        url: 'https://svc.example.test/in',
        response: 'down',
        responseStatusCode: 503,
        responseDurationMs: 7,
        status: 2,
        statusText: 'fail',
        triggerType: 0,
        timestamp: expect.any(String),
      },
    ]);
    const retried = await api.post(`/api/v1/event/${events[0].id}/retry`);
    expect(retried.status, retried.text).toBe(202);
    expect(retried.body).toMatchObject({ id: events[0].id, status: 'pending', trigger: 1 });
    expect((await api.post('/api/v1/event/evt_missing/retry')).status).toBe(404);
    const failed = (await api.get('/api/v1/event?status=fail')).body.data.length;
    expect(failed).toBeGreaterThan(0);
    const bulk = await api.post('/api/v1/event/bulk-retry', { body: { destination: 'svc', status: 'fail' } });
    expect(bulk.status, bulk.text).toBe(202);
    expect(bulk.body).toEqual({ count: failed });
    expect((await api.post('/api/v1/event/bulk-retry', { body: { source: 'nope' } })).status).toBe(404);
  });

  it("replays a request on the source's current routes; never a rejected one", async () => {
    const { request, events } = await receive();
    const res = await api.post(`/api/v1/request/${request.id}/replay`);
    expect(res.status, res.text).toBe(202);
    expect(res.body.data).toEqual([
      expect.objectContaining({ requestId: request.id, connectionId: connection.id, status: 'pending' }),
    ]);
    expect(res.body.data[0].id).not.toBe(events[0].id);
    const rejected = await receive({ status: 'rejected', cause: 'signature_invalid' }, false);
    expect((await api.post(`/api/v1/request/${rejected.request.id}/replay`)).status).toBe(409);
    expect((await api.post('/api/v1/request/req_missing/replay')).status).toBe(404);
  });
});
