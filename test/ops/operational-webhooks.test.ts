import { Svix, Webhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const OPERATOR_SECRET = `whsec_${Buffer.from('operator-signing-key-0123').toString('base64')}`;

/**
 * Operational webhooks through the svix SDK as the client: the operator's endpoint is managed with
 * `operationalWebhookEndpoint`, and receives signed events about endpoints and deliveries.
 */
describe('operational webhooks', () => {
  let hookd: TestHookd;
  let svix: Svix;
  let operator: Receiver;
  let customer: Receiver;
  let customerAnswers: number[] = [];

  beforeAll(async () => {
    // Five attempts a second apart: the 4th failure is reached quickly.
    hookd = await startTestHookd({ retryScheduleSeconds: [0, 1, 1, 1, 1] });
    svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url });
    operator = await startReceiver();
    customer = await startReceiver((_req, n) => customerAnswers[n] ?? 200);
  });
  afterAll(async () => {
    await hookd?.stop();
    await operator?.close();
    await customer?.close();
  });

  /** The operator's events so far, verified with its secret: `{type, data}` in arrival order. */
  const events = () =>
    operator.requests.map((r) => {
      // Throws unless signed with the operator's secret.
      new Webhook(OPERATOR_SECRET).verify(r.body, r.headers as Record<string, string>);
      return JSON.parse(r.body) as { type: string; data: Record<string, unknown> };
    });
  const waitForEvent = (type: string) => operator.waitFor(() => events().some((e) => e.type === type), 30_000);

  it('manages the operator’s endpoints with the SDK', async () => {
    const created = await svix.operationalWebhook.endpoint.create({ url: operator.url, secret: OPERATOR_SECRET });
    expect(created.url).toBe(operator.url);
    expect((await svix.operationalWebhook.endpoint.get(created.id)).id).toBe(created.id);
    expect((await svix.operationalWebhook.endpoint.list()).data.map((e: { id: string }) => e.id)).toEqual([created.id]);
    expect((await svix.operationalWebhook.endpoint.getSecret(created.id)).key).toBe(OPERATOR_SECRET);
    const updated = await svix.operationalWebhook.endpoint.upsert(created.id, {
      url: operator.url,
      description: 'ops',
    });
    expect(updated.description).toBe('ops');
    // Its own endpoints raise no events (no loop), and a missing one is a 404.
    await expect(svix.operationalWebhook.endpoint.get('ep_missing')).rejects.toMatchObject({ code: 404 });
  });

  it('sends endpoint.created, updated and deleted, signed', async () => {
    const app = await svix.application.create({ name: 'customer' });
    const endpoint = await svix.endpoint.create(app.id, { url: customer.url });
    await svix.endpoint.patch(app.id, endpoint.id, { description: 'changed' });
    await svix.endpoint.delete(app.id, endpoint.id);
    // Three messages, delivered concurrently: wait for all three, in whatever order they arrive.
    for (const type of ['endpoint.created', 'endpoint.updated', 'endpoint.deleted']) await waitForEvent(type);
    const endpointEvents = events().filter((e) => e.type.startsWith('endpoint.'));
    expect(endpointEvents.map((e) => e.type).sort()).toEqual([
      'endpoint.created',
      'endpoint.deleted',
      'endpoint.updated',
    ]);
    for (const e of endpointEvents) expect(e.data).toMatchObject({ appId: app.id, endpointId: endpoint.id });
  });

  it('sends message.attempt.failing after the 4th failure, then message.attempt.recovered', async () => {
    customerAnswers = [500, 500, 500, 500, 200];
    const before = customer.requests.length;
    const app = await svix.application.create({ name: 'flaky' });
    const endpoint = await svix.endpoint.create(app.id, { url: customer.url });
    const msg = await svix.message.create(app.id, { eventType: 'x', payload: { n: 1 } });
    await waitForEvent('message.attempt.recovered');
    expect(customer.requests.length - before).toBe(5);
    const failing = events().filter((e) => e.type === 'message.attempt.failing');
    expect(failing).toHaveLength(1);
    expect(failing[0].data).toMatchObject({ appId: app.id, endpointId: endpoint.id, msgId: msg.id });
    expect(failing[0].data.lastAttempt).toMatchObject({ responseStatusCode: 500 });
    const recovered = events().find((e) => e.type === 'message.attempt.recovered')!;
    expect(recovered.data).toMatchObject({ msgId: msg.id, lastAttempt: { responseStatusCode: 200 } });
  });

  it('sends endpoint.disabled on a 410, and message.attempt.exhausted when the retries run out', async () => {
    const app = await svix.application.create({ name: 'gone' });
    customerAnswers = Array(customer.requests.length).fill(200).concat([410]);
    const gone = await svix.endpoint.create(app.id, { url: customer.url });
    await svix.message.create(app.id, { eventType: 'x', payload: { n: 2 } });
    await waitForEvent('endpoint.disabled');
    expect(events().find((e) => e.type === 'endpoint.disabled')!.data).toMatchObject({ endpointId: gone.id });
    expect((await svix.endpoint.get(app.id, gone.id)).disabled).toBe(true);

    customerAnswers = Array(customer.requests.length).fill(200).concat([500, 500, 500, 500, 500]);
    const failing = await svix.endpoint.create(app.id, { url: customer.url });
    const msg = await svix.message.create(app.id, { eventType: 'x', payload: { n: 3 } });
    // The 410's message was exhausted too: wait for this endpoint's.
    await operator.waitFor(
      () => events().some((e) => e.type === 'message.attempt.exhausted' && e.data.endpointId === failing.id),
      30_000,
    );
    const exhausted = events().filter(
      (e) => e.type === 'message.attempt.exhausted' && e.data.endpointId === failing.id,
    );
    expect(exhausted).toHaveLength(1);
    expect(exhausted[0].data).toMatchObject({ msgId: msg.id, lastAttempt: { responseStatusCode: 500 } });
  });
});
