import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

describe('/api/v1/app/{app_id}/msg', () => {
  let server: TestServer;
  let api: ApiClient;
  let appId: string;
  const base = '/api/v1/app/msgs';

  const send = (body: Record<string, unknown>, query = '') =>
    api.post(`${base}/msg${query}`, { body: { eventType: 'order.created', payload: { n: 1 }, ...body } });

  beforeAll(async () => {
    server = await startTestServer({ maxPayloadBytes: 8192 });
    api = createApiClient(server.url, server.token);
    appId = (await api.post('/api/v1/app', { body: { name: 'Messages', uid: 'msgs' } })).body.id;
    await api.post(`${base}/endpoint`, { body: { url: 'https://example.com/all' } });
  });
  afterAll(() => server?.close());

  it('creates (202) a message in the MessageOut shape and stores the payload text as serialized once', async () => {
    const payload = { user: { id: 'u_1', tags: ['a', 'b'] }, amount: 12.5, ok: true, nothing: null, text: 'é ✓' };
    const res = await send({ payload, channels: ['project_1'], eventId: 'evt-1', unknown: 'ignored' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^msg_/),
      eventType: 'order.created',
      eventId: 'evt-1',
      channels: ['project_1'],
      payload,
      timestamp: expect.any(String),
    });
    const stored = await server.store.messages.get(appId, res.body.id);
    expect(stored!.payload).toBe(JSON.stringify(payload));
  });

  it('answers a repeated eventId with 409, as Svix, without creating another message', async () => {
    const first = await send({ eventId: 'dedup-1', payload: { v: 1 } });
    expect(first.status).toBe(202);
    const second = await send({ eventId: 'dedup-1', payload: { v: 2 } });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'conflict', detail: expect.stringContaining(first.body.id) });
    // Concurrent repeats (one group commit): exactly one is created.
    const racing = await Promise.all([1, 2, 3].map((v) => send({ eventId: 'dedup-2', payload: { v } })));
    expect(racing.map((r) => r.status).sort()).toEqual([202, 409, 409]);
    const listed = (await api.get(`${base}/msg?limit=250`)).body.data as { eventId: string | null }[];
    expect(listed.filter((m) => m.eventId === 'dedup-1')).toHaveLength(1);
    expect(listed.filter((m) => m.eventId === 'dedup-2')).toHaveLength(1);
    expect((await api.get(`${base}/msg/dedup-1`)).body.payload).toEqual({ v: 1 });
  });

  it('answers an empty payload with with_content=false', async () => {
    const res = await send({ secret: 1 }, '?with_content=false');
    expect(res.status).toBe(202);
    expect(res.body.payload).toEqual({});
    expect(res.body.id).toMatch(/^msg_/);
  });

  it('creates the application inline when the path names an unknown uid', async () => {
    const res = await api.post('/api/v1/app/inline-app/msg', {
      body: { eventType: 'a.b', payload: {}, application: { name: 'Inline' } },
    });
    expect(res.status).toBe(202);
    expect((await api.get('/api/v1/app/inline-app')).body).toMatchObject({ name: 'Inline', uid: 'inline-app' });
    // Existing app: `application` is ignored.
    const again = await api.post('/api/v1/app/inline-app/msg', {
      body: { eventType: 'a.b', payload: {}, application: { name: 'Renamed' } },
    });
    expect(again.status).toBe(202);
    expect((await api.get('/api/v1/app/inline-app')).body.name).toBe('Inline');
  });

  it('answers 404 for an unknown application (without `application`, or with an app_ id)', async () => {
    const res = await api.post('/api/v1/app/nobody/msg', { body: { eventType: 'a', payload: {} } });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ code: 'not_found', detail: 'application not found' });
    expect(
      (
        await api.post('/api/v1/app/app_unknown/msg', {
          body: { eventType: 'a', payload: {}, application: { name: 'x' } },
        })
      ).status,
    ).toBe(404);
    expect((await api.get('/api/v1/app/nobody/msg')).status).toBe(404);
  });

  it('refuses bad messages with 422 naming the field', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ payload: undefined }, ['body', 'payload']],
      [{ payload: 'text' }, ['body', 'payload']],
      [{ payload: [1, 2] }, ['body', 'payload']],
      [{ payload: 5 }, ['body', 'payload']],
      [{ payload: null }, ['body', 'payload']],
      [{ eventType: undefined }, ['body', 'eventType']],
      [{ eventType: 'has space' }, ['body', 'eventType']],
      [{ eventType: 7 }, ['body', 'eventType']],
      [{ eventId: '' }, ['body', 'eventId']],
      [{ eventId: 'bad id!' }, ['body', 'eventId']],
      [{ channels: [] }, ['body', 'channels']],
      [{ channels: ['a', 'b', 'c', 'd', 'e', 'f'] }, ['body', 'channels']],
      [{ channels: ['bad channel'] }, ['body', 'channels', '0']],
      [{ application: { name: 5 } }, ['body', 'application', 'name']],
    ];
    for (const [body, loc] of cases) {
      const res = await send(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.detail[0].loc, JSON.stringify(body)).toEqual(loc);
    }
    expect((await api.post(`${base}/msg`, { body: '{"eventType":"a","payload":{' })).status).toBe(400);
    expect((await send({}, '?with_content=perhaps')).status).toBe(422);
  });

  it('answers 413 for a payload over maxPayloadBytes', async () => {
    const res = await send({ payload: { blob: 'x'.repeat(9000) } });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ code: 'payload_too_large', detail: 'payload exceeds 8192 bytes' });
  });

  describe('list and get', () => {
    let ids: string[];
    let middle: string;

    beforeAll(async () => {
      const fresh = (body: Record<string, unknown>) =>
        api.post('/api/v1/app/list-app/msg', { body: { payload: { k: 1 }, ...body } });
      await api.post('/api/v1/app', { body: { name: 'List', uid: 'list-app' } });
      ids = [];
      ids.push((await fresh({ eventType: 'a.one', channels: ['red'] })).body.id);
      await new Promise((r) => setTimeout(r, 5));
      middle = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5));
      ids.push((await fresh({ eventType: 'b.two', channels: ['blue'] })).body.id);
      ids.push((await fresh({ eventType: 'c.three' })).body.id);
    });

    const listIds = async (query: string) => {
      const res = await api.get(`/api/v1/app/list-app/msg${query}`);
      expect(res.status, res.text).toBe(200);
      return res.body.data.map((m: { id: string }) => m.id);
    };

    it('lists newest first with payloads, and pages', async () => {
      const res = await api.get('/api/v1/app/list-app/msg');
      expect(res.body.data.map((m: { id: string }) => m.id)).toEqual([...ids].reverse());
      expect(res.body.data[0].payload).toEqual({ k: 1 });
      const page = await api.get('/api/v1/app/list-app/msg?limit=2');
      expect(page.body.data).toHaveLength(2);
      expect(page.body.done).toBe(false);
      expect(await listIds(`?limit=2&iterator=${page.body.iterator}`)).toEqual([ids[0]]);
    });

    it('filters by event_types (comma-separated or repeated), channel, before and after', async () => {
      expect(await listIds('?event_types=a.one,c.three')).toEqual([ids[2], ids[0]]);
      expect(await listIds('?event_types=a.one&event_types=b.two')).toEqual([ids[1], ids[0]]);
      expect(await listIds('?event_types=b.two')).toEqual([ids[1]]);
      expect(await listIds('?channel=red')).toEqual([ids[0]]);
      expect(await listIds(`?before=${middle}`)).toEqual([ids[0]]);
      expect(await listIds(`?after=${middle}`)).toEqual([ids[2], ids[1]]);
    });

    it('with_content=false lists payloads as {}', async () => {
      const res = await api.get('/api/v1/app/list-app/msg?with_content=false');
      expect(res.body.data.length).toBeGreaterThan(0);
      expect(res.body.data.every((m: { payload: unknown }) => JSON.stringify(m.payload) === '{}')).toBe(true);
    });

    it('refuses bad list queries with 422', async () => {
      for (const query of [
        'limit=251',
        'before=yesterday',
        'after=2024-02-30T00:00:00',
        'event_types=bad%20name',
        'channel=bad%20channel',
        'with_content=2',
        'order=sideways',
        'before=2016-12-31T23:59:60Z',
      ]) {
        const res = await api.get(`/api/v1/app/list-app/msg?${query}`);
        expect(res.status, query).toBe(422);
        expect(res.body.detail[0].loc[0]).toBe('query');
      }
    });

    it('gets a message by id and by eventId; 404 for unknown ids', async () => {
      const msg = (
        await api.post('/api/v1/app/list-app/msg', {
          body: { eventType: 'g', eventId: 'get-by-event-id', payload: { a: 1 } },
        })
      ).body;
      expect((await api.get(`/api/v1/app/list-app/msg/${msg.id}`)).body).toEqual(msg);
      expect((await api.get('/api/v1/app/list-app/msg/get-by-event-id')).body.id).toBe(msg.id);
      expect((await api.get(`/api/v1/app/list-app/msg/${msg.id}?with_content=false`)).body.payload).toEqual({});
      const missing = await api.get('/api/v1/app/list-app/msg/msg_nope');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ code: 'not_found', detail: 'message not found' });
      // A message of another application is not found through this one.
      expect((await api.get(`/api/v1/app/msgs/msg/${msg.id}`)).status).toBe(404);
    });

    it('expunges content (204): the payload then reads as {}', async () => {
      const msg = (await api.post('/api/v1/app/list-app/msg', { body: { eventType: 'x', payload: { secret: 'pii' } } }))
        .body;
      expect((await api.delete(`/api/v1/app/list-app/msg/${msg.id}/content`)).status).toBe(204);
      expect((await api.get(`/api/v1/app/list-app/msg/${msg.id}`)).body.payload).toEqual({});
      expect((await api.delete('/api/v1/app/list-app/msg/msg_nope/content')).status).toBe(404);
    });
  });
});
