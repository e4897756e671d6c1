import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/http/api-tokens.js';
import { scopedIdempotencyKey } from '../../src/http/idempotency.js';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

describe('idempotency-key', () => {
  let server: TestServer;
  let api: ApiClient;
  let appId: string;

  const send = (key: string, payload: unknown = { n: 1 }, client = api) =>
    client.post(`/api/v1/app/${appId}/msg`, {
      body: { eventType: 'order.created', payload },
      headers: { 'idempotency-key': key },
    });
  const countMessages = async () => (await api.get(`/api/v1/app/${appId}/msg?limit=250`)).body.data.length;

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
    appId = (await api.post('/api/v1/app', { body: { name: 'Idem' } })).body.id;
  });
  afterAll(() => server?.close());

  it('replays the first response for a repeated key and creates one message', async () => {
    const before = await countMessages();
    const first = await send('key-1');
    const second = await send('key-1');
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.text).toBe(first.text);
    expect(await countMessages()).toBe(before + 1);
  });

  it('creates one message for concurrent requests with one key', async () => {
    const before = await countMessages();
    const responses = await Promise.all(Array.from({ length: 8 }, () => send('key-concurrent')));
    const ids = new Set(responses.map((r) => r.body.id));
    expect(responses.every((r) => r.status === 202)).toBe(true);
    expect(ids.size).toBe(1);
    expect(await countMessages()).toBe(before + 1);
  });

  it('runs requests with different keys, or without a key, separately', async () => {
    const a = await send('key-a');
    const b = await send('key-b');
    const c = await api.post(`/api/v1/app/${appId}/msg`, { body: { eventType: 'order.created', payload: {} } });
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(3);
  });

  it('does not store an error response: a retry with the same key runs again', async () => {
    const first = await api.post('/api/v1/app/no-such-app/msg', {
      body: { eventType: 'a', payload: {} },
      headers: { 'idempotency-key': 'k404' },
    });
    expect(first.status).toBe(404);
    await api.post('/api/v1/app', { body: { name: 'late', uid: 'no-such-app' } });
    const again = await api.post('/api/v1/app/no-such-app/msg', {
      body: { eventType: 'a', payload: {} },
      headers: { 'idempotency-key': 'k404' },
    });
    expect(again.status).toBe(202);
    const replay = await api.post('/api/v1/app/no-such-app/msg', {
      body: { eventType: 'a', payload: {} },
      headers: { 'idempotency-key': 'k404' },
    });
    expect(replay.body.id).toBe(again.body.id);
  });

  it('does not claim a key for a request that fails validation', async () => {
    const bad = await api.post(`/api/v1/app/${appId}/msg`, {
      body: { eventType: 'a', payload: 'not an object' },
      headers: { 'idempotency-key': 'k-val' },
    });
    expect(bad.status).toBe(422);
    const good = await send('k-val');
    expect(good.status).toBe(202);
  });

  it('scopes keys by token and by path', async () => {
    const other = createApiClient(
      server.url,
      (await api.post(`/api/v1/auth/app-portal-access/${appId}`, { body: {} })).body.token,
    );
    const mine = await send('shared-key');
    const theirs = await send('shared-key', { n: 1 }, other);
    expect(theirs.status).toBe(202);
    expect(theirs.body.id).not.toBe(mine.body.id);
    const app = await api.post('/api/v1/app', {
      body: { name: 'other path' },
      headers: { 'idempotency-key': 'shared-key' },
    });
    expect(app.status).toBe(201);
    expect(app.body.id).toMatch(/^app_/);
  });

  it('replays 204 responses with an empty body', async () => {
    const ep = await api.post(`/api/v1/app/${appId}/endpoint`, { body: { url: 'https://example.com/h' } });
    const path = `/api/v1/app/${appId}/endpoint/${ep.body.id}/secret/rotate`;
    const first = await api.post(path, { body: {}, headers: { 'idempotency-key': 'rot' } });
    const key1 = (await api.get(`/api/v1/app/${appId}/endpoint/${ep.body.id}/secret`)).body.key;
    const second = await api.post(path, { body: {}, headers: { 'idempotency-key': 'rot' } });
    const key2 = (await api.get(`/api/v1/app/${appId}/endpoint/${ep.body.id}/secret`)).body.key;
    expect([first.status, second.status]).toEqual([204, 204]);
    expect(second.text).toBe('');
    expect(key2).toBe(key1); // rotated once
  });
});

describe('idempotency-key held by a request that does not finish', () => {
  it('answers 409 conflict after waiting', async () => {
    const server = await startTestServer();
    try {
      const api = createApiClient(server.url, server.token);
      const appId = (await api.post('/api/v1/app', { body: { name: 'Stuck' } })).body.id;
      const path = `/api/v1/app/${appId}/msg`;
      const now = Date.now();
      await server.store.auth.beginIdempotency(
        scopedIdempotencyKey(hashToken(server.token), 'POST', path, 'stuck'),
        now,
        now + 60_000,
      );
      const started = Date.now();
      const res = await api.post(path, {
        body: { eventType: 'a', payload: {} },
        headers: { 'idempotency-key': 'stuck' },
      });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ code: 'conflict', detail: 'a request with this idempotency-key is in progress' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_500);
    } finally {
      await server.close();
    }
  });
});
