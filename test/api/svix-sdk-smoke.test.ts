import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiException, Svix } from 'svix';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

describe('the official svix SDK against the API (smoke)', () => {
  let server: TestServer;
  let svix: Svix;

  beforeAll(async () => {
    server = await startTestServer();
    svix = new Svix(server.token, { serverUrl: server.url });
  });
  afterAll(() => server?.close());

  it('creates and lists applications, event types, endpoints and messages', async () => {
    const app = await svix.application.create({ name: 'SDK app', uid: 'sdk-app' });
    expect(app.id).toMatch(/^app_/);
    expect(app.createdAt).toBeInstanceOf(Date);
    expect((await svix.application.getOrCreate({ name: 'again', uid: 'sdk-app' })).id).toBe(app.id);
    expect((await svix.application.list()).data.map((a) => a.id)).toContain(app.id);

    await svix.eventType.create({ name: 'invoice.paid', description: 'Paid' });
    expect((await svix.eventType.list()).data.map((e) => e.name)).toEqual(['invoice.paid']);

    const ep = await svix.endpoint.create('sdk-app', { url: 'https://example.com/hook', eventTypes: ['invoice.paid'] });
    expect((await svix.endpoint.list('sdk-app')).data.map((e) => e.id)).toEqual([ep.id]);

    const msg = await svix.message.create('sdk-app', { eventType: 'invoice.paid', payload: { id: 'inv_1' } });
    expect(msg.id).toMatch(/^msg_/);
    const listed = await svix.message.list('sdk-app', { eventTypes: ['invoice.paid', 'other.type'] });
    expect(listed.data.map((m) => m.id)).toEqual([msg.id]);
    expect((await svix.message.get('sdk-app', msg.id, { withContent: true })).payload).toEqual({ id: 'inv_1' });
  });

  it('gets and rotates an endpoint secret', async () => {
    await svix.application.create({ name: 'Secrets', uid: 'sdk-secrets' });
    const ep = await svix.endpoint.create('sdk-secrets', { url: 'https://example.com/hook' });
    const before = (await svix.endpoint.getSecret('sdk-secrets', ep.id)).key;
    expect(before).toMatch(/^whsec_/);
    await svix.endpoint.rotateSecret('sdk-secrets', ep.id, {});
    const after = (await svix.endpoint.getSecret('sdk-secrets', ep.id)).key;
    expect(after).toMatch(/^whsec_/);
    expect(after).not.toBe(before);
  });

  it('deletes and reports 404s as ApiException', async () => {
    await svix.application.create({ name: 'Gone', uid: 'sdk-gone' });
    await svix.application.delete('sdk-gone');
    const error = await svix.application.get('sdk-gone').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<{ code: string }>).code).toBe(404);
  });
});
