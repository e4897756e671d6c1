import { ApiException, MessageStatus, StatusCodeClass, Svix } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/** The HTTP status an SDK call failed with (the SDK throws ApiException), or 'ok'. */
async function statusOf(call: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

/**
 * The official `svix` JS SDK, one test per resource hookd serves, every method of it that has a
 * route in hookd, with the error paths (404, 409, 422) as the SDK surfaces them.
 */
describe('every svix SDK resource and method against hookd', () => {
  let hookd: TestHookd;
  let receiver: Receiver;
  let svix: Svix;

  beforeAll(async () => {
    hookd = await startTestHookd();
    receiver = await startReceiver();
    svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url });
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  it('application: list, create, getOrCreate, get, upsert, patch, delete', async () => {
    const app = await svix.application.create({ name: 'One', uid: 'sdk-one', metadata: { tier: 'gold' } });
    expect(app).toMatchObject({ name: 'One', uid: 'sdk-one', metadata: { tier: 'gold' } });
    expect((await svix.application.getOrCreate({ name: 'ignored', uid: 'sdk-one' })).id).toBe(app.id);
    expect((await svix.application.get('sdk-one')).id).toBe(app.id);
    expect((await svix.application.upsert('sdk-one', { name: 'Renamed' })).name).toBe('Renamed');
    expect((await svix.application.upsert('sdk-new', { name: 'Created by upsert' })).uid).toBe('sdk-new');
    expect((await svix.application.patch(app.id, { metadata: { tier: 'silver' } })).metadata).toEqual({
      tier: 'silver',
    });
    const listed = await svix.application.list({ limit: 1 });
    expect(listed.data).toHaveLength(1);
    expect(listed.done).toBe(false);
    await svix.application.delete('sdk-new');
    expect(await statusOf(svix.application.get('sdk-new'))).toBe(404);
    expect(await statusOf(svix.application.delete('sdk-new'))).toBe(404);
    expect(await statusOf(svix.application.create({ name: 'Dup', uid: 'sdk-one' }))).toBe(409);
    expect(await statusOf(svix.application.create({ name: '', uid: 'bad uid!' }))).toBe(422);
  });

  it('eventType: list, create, get, upsert, patch, delete (archive and expunge)', async () => {
    const created = await svix.eventType.create({ name: 'sdk.created', description: 'Created' });
    expect(created).toMatchObject({ name: 'sdk.created', archived: false });
    expect((await svix.eventType.get('sdk.created')).description).toBe('Created');
    expect((await svix.eventType.upsert('sdk.created', { description: 'Upserted' })).description).toBe('Upserted');
    expect((await svix.eventType.patch('sdk.created', { description: 'Patched' })).description).toBe('Patched');
    await svix.eventType.create({ name: 'sdk.archived', description: '' });
    await svix.eventType.delete('sdk.archived');
    expect((await svix.eventType.get('sdk.archived')).archived).toBe(true);
    const names = async (includeArchived: boolean) =>
      (await svix.eventType.list({ includeArchived })).data.map((e) => e.name);
    expect(await names(false)).not.toContain('sdk.archived');
    expect(await names(true)).toContain('sdk.archived');
    await svix.eventType.delete('sdk.archived', { expunge: true });
    expect(await statusOf(svix.eventType.get('sdk.archived'))).toBe(404);
    expect(await statusOf(svix.eventType.create({ name: 'sdk.created', description: '' }))).toBe(409);
    expect(await statusOf(svix.eventType.create({ name: 'bad name', description: '' }))).toBe(422);
  });

  it('endpoint: CRUD, get/set/patchHeaders, getSecret, rotate, recover, replayMissing, sendExample, stats', async () => {
    const app = await svix.application.create({ name: 'Endpoints', uid: 'sdk-endpoints' });
    await svix.eventType.create({ name: 'sdk.endpoint', description: '' });
    const ep = await svix.endpoint.create(app.id, { url: receiver.url, uid: 'sdk-ep', eventTypes: ['sdk.endpoint'] });
    expect((await svix.endpoint.get(app.id, 'sdk-ep')).id).toBe(ep.id);
    expect((await svix.endpoint.list(app.id)).data.map((e) => e.id)).toEqual([ep.id]);
    expect((await svix.endpoint.upsert(app.id, ep.id, { url: receiver.url, description: 'up' })).description).toBe(
      'up',
    );
    expect((await svix.endpoint.patch(app.id, ep.id, { description: 'patched' })).description).toBe('patched');

    await svix.endpoint.setHeaders(app.id, ep.id, { headers: { 'x-one': '1' } });
    await svix.endpoint.patchHeaders(app.id, ep.id, { headers: { 'x-two': '2' } });
    expect((await svix.endpoint.getHeaders(app.id, ep.id)).headers).toEqual({ 'x-one': '1', 'x-two': '2' });

    const before = (await svix.endpoint.getSecret(app.id, ep.id)).key;
    await svix.endpoint.rotateSecret(app.id, ep.id);
    await svix.endpoint.rotateSecret(app.id, ep.id, { key: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    const after = (await svix.endpoint.getSecret(app.id, ep.id)).key;
    expect(after).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(after).not.toBe(before);

    const example = await svix.endpoint.sendExample(app.id, ep.id, { eventType: 'sdk.endpoint' });
    await receiver.waitFor((reqs) => reqs.some((r) => r.headers['webhook-id'] === example.id));
    const sent = receiver.requests.find((r) => r.headers['webhook-id'] === example.id)!;
    expect(sent.headers).toMatchObject({ 'x-one': '1', 'x-two': '2' });
    const since = new Date(Date.now() - 60_000);
    expect((await svix.endpoint.recover(app.id, ep.id, { since })).status).toBe('finished');
    const replayed = await svix.endpoint.replayMissing(app.id, ep.id, { since });
    expect(replayed).toMatchObject({ status: 'finished', task: 'endpoint.replay' });
    await expect.poll(async () => (await svix.endpoint.getStats(app.id, ep.id)).success).toBe(1);

    expect(await statusOf(svix.endpoint.get(app.id, 'ep_unknown'))).toBe(404);
    expect(await statusOf(svix.endpoint.sendExample(app.id, ep.id, { eventType: 'no.such' }))).toBe(404);
    expect(await statusOf(svix.endpoint.create(app.id, { url: receiver.url, uid: 'sdk-ep' }))).toBe(409);
    expect(await statusOf(svix.endpoint.create(app.id, { url: 'not a url' }))).toBe(422);
    expect(await statusOf(svix.endpoint.recover(app.id, ep.id, { since, until: new Date(0) }))).toBe(422);
    await svix.endpoint.delete(app.id, ep.id);
    expect(await statusOf(svix.endpoint.getSecret(app.id, ep.id))).toBe(404);
  });

  it('message: create, list, get, expungeContent; a repeated eventId is a 409', async () => {
    const app = await svix.application.create({ name: 'Messages', uid: 'sdk-messages' });
    await svix.endpoint.create(app.id, { url: receiver.url });
    const msg = await svix.message.create(app.id, {
      eventType: 'sdk.message',
      eventId: 'evt-sdk-1',
      channels: ['ch-a'],
      payload: { n: 1 },
    });
    // The SDK (v2) asks for no content by default.
    expect(msg).toMatchObject({ eventType: 'sdk.message', eventId: 'evt-sdk-1', payload: {} });
    expect((await svix.message.get(app.id, msg.id, { withContent: true })).payload).toEqual({ n: 1 });
    expect((await svix.message.get(app.id, 'evt-sdk-1')).id).toBe(msg.id);
    expect((await svix.message.list(app.id, { channel: 'ch-a' })).data.map((m) => m.id)).toEqual([msg.id]);
    expect((await svix.message.list(app.id, { channel: 'ch-b' })).data).toEqual([]);
    expect((await svix.message.list(app.id, { eventTypes: ['other'] })).data).toEqual([]);
    expect(
      await statusOf(svix.message.create(app.id, { eventType: 'sdk.message', eventId: 'evt-sdk-1', payload: {} })),
    ).toBe(409);
    await svix.message.expungeContent(app.id, msg.id);
    expect((await svix.message.get(app.id, msg.id, { withContent: true })).payload).toEqual({});
    expect(await statusOf(svix.message.get(app.id, 'msg_unknown'))).toBe(404);
    expect(await statusOf(svix.message.create(app.id, { eventType: 'bad type!', payload: {} }))).toBe(422);
  });

  it('messageAttempt: listByEndpoint, listByMsg, listAttemptedMessages, listAttemptedDestinations, get, expungeContent, resend', async () => {
    const app = await svix.application.create({ name: 'Attempts', uid: 'sdk-attempts' });
    const ep = await svix.endpoint.create(app.id, { url: receiver.url });
    const msg = await svix.message.create(app.id, { eventType: 'sdk.attempt', channels: ['ch'], payload: { a: 1 } });
    await expect
      .poll(async () => (await svix.messageAttempt.listByMsg(app.id, msg.id, { status: MessageStatus.Success })).data)
      .toHaveLength(1);
    const byEndpoint = await svix.messageAttempt.listByEndpoint(app.id, ep.id, {
      statusCodeClass: StatusCodeClass.Code2xx,
      channel: 'ch',
      eventTypes: ['sdk.attempt'],
      withMsg: true,
      withContent: true,
    });
    expect(byEndpoint.data).toHaveLength(1);
    const [attempt] = byEndpoint.data;
    expect(attempt).toMatchObject({ msgId: msg.id, responseStatusCode: 200, msg: { id: msg.id } });
    for (const filter of [{ channel: 'nope' }, { statusCodeClass: StatusCodeClass.Code5xx }, { eventTypes: ['x.y'] }])
      expect((await svix.messageAttempt.listByEndpoint(app.id, ep.id, filter)).data, JSON.stringify(filter)).toEqual(
        [],
      );
    expect((await svix.messageAttempt.listAttemptedMessages(app.id, ep.id)).data.map((m) => m.id)).toEqual([msg.id]);
    expect((await svix.messageAttempt.listAttemptedDestinations(app.id, msg.id)).data.map((e) => e.id)).toEqual([
      ep.id,
    ]);
    expect((await svix.messageAttempt.get(app.id, msg.id, attempt.id)).id).toBe(attempt.id);
    await svix.messageAttempt.expungeContent(app.id, msg.id, attempt.id);
    expect((await svix.messageAttempt.get(app.id, msg.id, attempt.id)).response).toBe('');
    await svix.messageAttempt.resend(app.id, msg.id, ep.id);
    await expect.poll(async () => (await svix.messageAttempt.listByMsg(app.id, msg.id)).data).toHaveLength(2);
    expect(await statusOf(svix.messageAttempt.get(app.id, msg.id, 'atmpt_unknown'))).toBe(404);
    expect(await statusOf(svix.messageAttempt.resend(app.id, msg.id, 'ep_unknown'))).toBe(404);
    expect(await statusOf(svix.messageAttempt.listByEndpoint(app.id, ep.id, { limit: 251 }))).toBe(422);
  });

  it('authentication: appPortalAccess, logout', async () => {
    const app = await svix.application.create({ name: 'Portal', uid: 'sdk-portal' });
    const access = await svix.authentication.appPortalAccess(app.id, {});
    expect(access.token).toMatch(/^appsk_/);
    const portal = new Svix(access.token, { serverUrl: hookd.url });
    expect((await portal.endpoint.list(app.id)).data).toEqual([]);
    expect(await statusOf(portal.application.list())).toBe(403);
    await portal.authentication.logout();
    expect(await statusOf(portal.endpoint.list(app.id))).toBe(401);
    expect(await statusOf(svix.authentication.logout())).toBe(403);
    expect(await statusOf(svix.authentication.appPortalAccess('app_unknown', {}))).toBe(404);
    expect(await statusOf(svix.authentication.appPortalAccess(app.id, { expiry: -1 }))).toBe(422);
  });
});
