import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src/core/types.js';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { recordAttempts } from '../helpers/attempts.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const KEY_A = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
const KEY_B = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;

describe('endpoint headers, secret, recovery, examples and stats', () => {
  let server: TestServer;
  let api: ApiClient;
  const base = '/api/v1/app/extras';

  const newEndpoint = async (body: Record<string, unknown> = {}) =>
    (await api.post(`${base}/endpoint`, { body: { url: 'https://example.com/hook', ...body } })).body as { id: string };
  const stored = async (id: string) =>
    (await server.store.endpoints.get((await server.store.applications.get('extras'))!.id, id)) as Endpoint;

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
    await api.post('/api/v1/app', { body: { name: 'Extras', uid: 'extras' } });
  });
  afterAll(() => server?.close());

  describe('headers', () => {
    it('PUT replaces (204); GET withholds sensitive values and lists their names', async () => {
      const ep = await newEndpoint();
      const path = `${base}/endpoint/${ep.id}/headers`;
      const headers = { 'X-Team': 'billing', Authorization: 'Bearer s3cret', 'X-Auth-Token': 't', 'X-Api-Key': 'k' };
      expect((await api.put(path, { body: { headers } })).status).toBe(204);
      const res = await api.get(path);
      expect(res.status).toBe(200);
      expect(res.body.headers).toEqual({ 'X-Team': 'billing' });
      expect(res.body.sensitive.sort()).toEqual(['Authorization', 'X-Api-Key', 'X-Auth-Token']);
      expect(res.text).not.toContain('s3cret');
      expect((await stored(ep.id)).headers).toEqual(headers); // still sent with each request
      expect((await api.put(path, { body: { headers: { 'X-Only': '1' } } })).status).toBe(204);
      expect((await api.get(path)).body).toEqual({ headers: { 'X-Only': '1' }, sensitive: [] });
    });

    it('PATCH merges; null or deleteHeaders removes; names match case-insensitively', async () => {
      const ep = await newEndpoint();
      const path = `${base}/endpoint/${ep.id}/headers`;
      await api.put(path, { body: { headers: { 'X-A': '1', 'X-B': '2', 'X-C': '3' } } });
      expect((await api.patch(path, { body: { headers: { 'x-a': 'one', 'X-B': null, 'X-D': '4' } } })).status).toBe(
        204,
      );
      expect((await api.get(path)).body.headers).toEqual({ 'x-a': 'one', 'X-C': '3', 'X-D': '4' });
      expect((await api.patch(path, { body: { headers: {}, deleteHeaders: ['x-c'] } })).status).toBe(204);
      expect((await api.get(path)).body.headers).toEqual({ 'x-a': 'one', 'X-D': '4' });
    });

    it('refuses reserved and malformed headers with 422', async () => {
      const ep = await newEndpoint();
      const path = `${base}/endpoint/${ep.id}/headers`;
      const bad = [
        { 'webhook-signature': 'v1,forged' },
        { 'Svix-Id': 'x' },
        { 'Content-Type': 'text/plain' },
        { Host: 'evil' },
        { 'Content-Length': '1' },
        { 'bad name': 'x' },
        { 'X-Ok': 'line\r\nbreak' },
        { 'X-Num': 5 },
      ];
      for (const headers of bad) {
        const res = await api.put(path, { body: { headers } });
        expect(res.status, JSON.stringify(headers)).toBe(422);
        expect(res.body.detail[0].loc[1]).toBe('headers');
      }
      expect((await api.patch(path, { body: { headers: { 'svix-signature': 'x' } } })).status).toBe(422);
      expect((await api.put(path, { body: {} })).status).toBe(422);
      expect((await api.get(`${base}/endpoint/ep_nope/headers`)).status).toBe(404);
    });
  });

  describe('secret rotation', () => {
    it('rotates to a given key: the old key keeps signing for the grace period', async () => {
      const ep = await newEndpoint({ secret: KEY_A });
      const before = Date.now();
      const res = await api.post(`${base}/endpoint/${ep.id}/secret/rotate`, {
        body: { key: KEY_B, gracePeriodSeconds: 3600 },
      });
      expect(res.status).toBe(204);
      expect((await api.get(`${base}/endpoint/${ep.id}/secret`)).body).toEqual({ key: KEY_B });
      const secrets = (await stored(ep.id)).secrets;
      expect(secrets[0]).toEqual({ key: KEY_B, expiresAt: null });
      expect(secrets[1].key).toBe(KEY_A);
      expect(secrets[1].expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
      expect(secrets[1].expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
    });

    it('generates a key without a body, with the default 24 h grace', async () => {
      const ep = await newEndpoint({ secret: KEY_A });
      expect((await api.post(`${base}/endpoint/${ep.id}/secret/rotate`)).status).toBe(204);
      const secrets = (await stored(ep.id)).secrets;
      expect(secrets[0].key).toMatch(/^whsec_/);
      expect(secrets[0].key).not.toBe(KEY_A);
      expect(secrets[1].expiresAt! - Date.now()).toBeGreaterThan(86_000_000);
    });

    it('drops the old key at once with gracePeriodSeconds 0', async () => {
      const ep = await newEndpoint({ secret: KEY_A });
      await api.post(`${base}/endpoint/${ep.id}/secret/rotate`, { body: { key: KEY_B, gracePeriodSeconds: 0 } });
      expect((await stored(ep.id)).secrets).toEqual([{ key: KEY_B, expiresAt: null }]);
    });

    it('refuses bad keys and out-of-range grace periods with 422', async () => {
      const ep = await newEndpoint({ secret: KEY_A });
      const path = `${base}/endpoint/${ep.id}/secret/rotate`;
      for (const body of [
        { key: 'whsec_nope' },
        { key: 42 },
        { gracePeriodSeconds: -1 },
        { gracePeriodSeconds: 604801 },
        { gracePeriodSeconds: '60' },
        { gracePeriodSeconds: 1.5 },
      ]) {
        const res = await api.post(path, { body });
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(res.body.detail[0].loc[0]).toBe('body');
      }
      expect((await stored(ep.id)).secrets).toEqual([{ key: KEY_A, expiresAt: null }]);
      expect((await api.post(`${base}/endpoint/ep_nope/secret/rotate`, { body: {} })).status).toBe(404);
      expect((await api.get(`${base}/endpoint/ep_nope/secret`)).status).toBe(404);
    });
  });

  describe('recover, replay-missing, stats', () => {
    it('recovers failed deliveries and reports the task as finished (202)', async () => {
      const ep = await newEndpoint();
      const since = new Date(Date.now() - 60_000).toISOString();
      await api.post(`${base}/msg`, { body: { eventType: 'a.b', payload: { n: 1 } } });
      await recordAttempts(server.store, { status: 'fail' });
      expect((await api.get(`${base}/endpoint/${ep.id}/stats`)).body).toMatchObject({ fail: 1, pending: 0 });
      const res = await api.post(`${base}/endpoint/${ep.id}/recover`, { body: { since } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^qtask_/),
        status: 'finished',
        task: 'endpoint.recover',
        updatedAt: expect.any(String),
      });
      expect((await api.get(`${base}/endpoint/${ep.id}/stats`)).body).toMatchObject({ fail: 0, pending: 1 });
      await recordAttempts(server.store, { status: 'success' });
    });

    it('replays messages the endpoint never got (202)', async () => {
      await api.post(`${base}/msg`, { body: { eventType: 'late.type', payload: { n: 2 } } });
      const ep = await newEndpoint({ eventTypes: ['late.type'] });
      const res = await api.post(`${base}/endpoint/${ep.id}/replay-missing`, {
        body: { since: new Date(Date.now() - 60_000).toISOString() },
      });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'finished', task: 'endpoint.replay' });
      expect((await api.get(`${base}/endpoint/${ep.id}/stats`)).body).toEqual({
        success: 0,
        pending: 1,
        sending: 0,
        fail: 0,
        canceled: 0,
        circuitState: 'closed',
      });
      await recordAttempts(server.store, { status: 'success' });
    });

    it('stats honour since/until', async () => {
      const ep = await newEndpoint();
      const future = new Date(Date.now() + 3600_000).toISOString();
      const res = await api.get(`${base}/endpoint/${ep.id}/stats?since=${future}`);
      expect(res.body).toEqual({ success: 0, pending: 0, sending: 0, fail: 0, canceled: 0, circuitState: 'closed' });
    });

    it('refuses bad dates and ranges with 422, unknown endpoints with 404', async () => {
      const ep = await newEndpoint();
      for (const body of [
        {},
        { since: 'yesterday' },
        { since: 5 },
        { since: '2024-01-02T00:00:00Z', until: '2024-01-01T00:00:00Z' },
        { since: '2024-13-45T99:00:00Z' },
      ]) {
        const res = await api.post(`${base}/endpoint/${ep.id}/recover`, { body });
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(res.body.detail[0].loc).toEqual(['body', 'since']);
        expect((await api.post(`${base}/endpoint/${ep.id}/replay-missing`, { body })).status).toBe(422);
      }
      expect((await api.get(`${base}/endpoint/${ep.id}/stats?since=notadate`)).status).toBe(422);
      expect(
        (await api.post(`${base}/endpoint/ep_nope/recover`, { body: { since: new Date().toISOString() } })).status,
      ).toBe(404);
      expect((await api.get(`${base}/endpoint/ep_nope/stats`)).status).toBe(404);
    });
  });

  describe('send-example', () => {
    it("sends the event type's first example to that endpoint only (200 MessageOut, as Svix)", async () => {
      await api.post('/api/v1/event-type', {
        body: {
          name: 'user.created',
          description: '',
          schemas: { '1': { examples: [{ old: true }] }, '2': { examples: [{ userId: 'u_1' }, { userId: 'u_2' }] } },
        },
      });
      const ep = await newEndpoint();
      const other = await newEndpoint();
      const res = await api.post(`${base}/endpoint/${ep.id}/send-example`, { body: { eventType: 'user.created' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: expect.stringMatching(/^msg_/),
        eventType: 'user.created',
        payload: { userId: 'u_1' },
      });
      expect((await api.get(`${base}/endpoint/${ep.id}/stats`)).body.pending).toBe(1);
      expect((await api.get(`${base}/endpoint/${other.id}/stats`)).body.pending).toBe(0);
      const second = await api.post(`${base}/endpoint/${ep.id}/send-example`, {
        body: { eventType: 'user.created', exampleIndex: 1 },
      });
      expect(second.body.payload).toEqual({ userId: 'u_2' });
      await recordAttempts(server.store, { status: 'success' });
    });

    it('falls back to a placeholder payload when the event type has no example', async () => {
      await api.post('/api/v1/event-type', { body: { name: 'no.example', description: '' } });
      const ep = await newEndpoint();
      const res = await api.post(`${base}/endpoint/${ep.id}/send-example`, { body: { eventType: 'no.example' } });
      expect(res.status).toBe(200);
      expect(res.body.payload).toEqual({ example: true, eventType: 'no.example' });
      await recordAttempts(server.store, { status: 'success' });
    });

    it('answers 404 for an unknown event type or endpoint, 422 for bad input', async () => {
      const ep = await newEndpoint();
      expect(
        (await api.post(`${base}/endpoint/${ep.id}/send-example`, { body: { eventType: 'nope.nope' } })).status,
      ).toBe(404);
      expect(
        (await api.post(`${base}/endpoint/ep_nope/send-example`, { body: { eventType: 'user.created' } })).status,
      ).toBe(404);
      expect((await api.post(`${base}/endpoint/${ep.id}/send-example`, { body: {} })).status).toBe(422);
      expect(
        (await api.post(`${base}/endpoint/${ep.id}/send-example`, { body: { eventType: 'bad name' } })).status,
      ).toBe(422);
      expect(
        (
          await api.post(`${base}/endpoint/${ep.id}/send-example`, {
            body: { eventType: 'user.created', exampleIndex: -1 },
          })
        ).status,
      ).toBe(422);
    });
  });
});
