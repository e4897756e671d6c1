import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { Svix, MessageStatus, MessageAttemptTriggerType } from 'svix';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';

/** Verifies a received request with the `standardwebhooks` package, as a customer's receiver would. */
function verifiesWith(secret: string, req: ReceivedRequest): boolean {
  try {
    new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

describe('the official svix SDK against hookd', () => {
  let hookd: TestHookd;
  let receiver: Receiver;
  let svix: Svix;
  let appId: string;
  let endpointId: string;
  let secret: string;

  beforeAll(async () => {
    hookd = await startTestHookd();
    receiver = await startReceiver();
    svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url });
    appId = (await svix.application.create({ name: 'Acme' })).id;
    await svix.eventType.create({ name: 'invoice.paid', description: 'An invoice was paid' });
    endpointId = (await svix.endpoint.create(appId, { url: receiver.url, eventTypes: ['invoice.paid'] })).id;
    secret = (await svix.endpoint.getSecret(appId, endpointId)).key;
  });

  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  it('delivers 100 messages, each verifying with standardwebhooks, and lists 100 successful attempts', async () => {
    const sent = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        svix.message.create(appId, { eventType: 'invoice.paid', payload: { n: i } }),
      ),
    );
    const ids = new Set(sent.map((m) => m.id));
    await receiver.waitFor((reqs) => reqs.filter((r) => ids.has(String(r.headers['webhook-id']))).length >= 100);
    const arrived = receiver.requests.filter((r) => ids.has(String(r.headers['webhook-id'])));
    expect(arrived).toHaveLength(100);
    expect(arrived.every((r) => verifiesWith(secret, r))).toBe(true);
    expect(new Set(arrived.map((r) => JSON.parse(r.body).n)).size).toBe(100);

    await expect
      .poll(async () => {
        const attempts = await svix.messageAttempt.listByEndpoint(appId, endpointId, {
          limit: 250,
          status: MessageStatus.Success,
        });
        return attempts.data.filter((a) => ids.has(a.msgId)).length;
      })
      .toBe(100);
  });

  it('signs with both the old and the new secret during the grace period after rotation', async () => {
    await svix.endpoint.rotateSecret(appId, endpointId, { gracePeriodSeconds: 3600 });
    const newSecret = (await svix.endpoint.getSecret(appId, endpointId)).key;
    expect(newSecret).not.toBe(secret);
    const msg = await svix.message.create(appId, { eventType: 'invoice.paid', payload: { rotated: true } });
    await receiver.waitFor((reqs) => reqs.some((r) => r.headers['webhook-id'] === msg.id));
    const req = receiver.requests.find((r) => r.headers['webhook-id'] === msg.id)!;
    expect(String(req.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWith(secret, req)).toBe(true);
    expect(verifiesWith(newSecret, req)).toBe(true);
  });

  it('resend makes one manual attempt', async () => {
    const msg = await svix.message.create(appId, { eventType: 'invoice.paid', payload: { resend: 1 } });
    await receiver.waitFor((reqs) => reqs.some((r) => r.headers['webhook-id'] === msg.id));
    await svix.messageAttempt.resend(appId, msg.id, endpointId);
    await receiver.waitFor((reqs) => reqs.filter((r) => r.headers['webhook-id'] === msg.id).length === 2);
    await expect
      .poll(async () => {
        const attempts = await svix.messageAttempt.listByMsg(appId, msg.id);
        return attempts.data.map((a) => a.triggerType).sort();
      })
      .toEqual([MessageAttemptTriggerType.Scheduled, MessageAttemptTriggerType.Manual]);
  });

  it('pages through 300 messages, returning each exactly once', async () => {
    const app = await svix.application.create({ name: 'Paging' });
    const created = new Set<string>();
    for (let i = 0; i < 300; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          svix.message.create(app.id, { eventType: 'invoice.paid', payload: { i: i + j } }),
        ),
      );
      for (const m of batch) created.add(m.id);
    }
    const seen: string[] = [];
    let iterator: string | null | undefined = null;
    for (let pages = 0; pages < 20; pages++) {
      const page = await svix.message.list(app.id, { limit: 50, iterator });
      seen.push(...page.data.map((m) => m.id));
      if (page.done) break;
      iterator = page.iterator;
    }
    expect(seen).toHaveLength(300);
    expect(new Set(seen)).toEqual(created);
  });
});
