import { afterAll, beforeAll, expect, it } from 'vitest';
import { Svix, MessageStatus } from 'svix';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';

let hookd: TestHookd;
let receiver: Receiver;

beforeAll(async () => {
  hookd = await startTestHookd({ retryScheduleSeconds: [0, 1, 1] });
  // Fails the first two requests, then succeeds.
  receiver = await startReceiver((_req, n) => (n < 2 ? 503 : 200));
});

afterAll(async () => {
  await hookd?.stop();
  await receiver?.close();
});

it('retries on schedule 0,1,1: delivered on the third attempt after two failures', async () => {
  const svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url });
  const app = await svix.application.create({ name: 'Flaky' });
  const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
  const msg = await svix.message.create(app.id, { eventType: 'order.created', payload: { id: 7 } });

  await receiver.waitFor((reqs) => reqs.length >= 3, 10_000);
  const [first, second, third] = receiver.requests.map((r) => r.receivedAt);
  // ±20% jitter around 1 s between attempts.
  expect(second - first).toBeGreaterThanOrEqual(750);
  expect(third - second).toBeGreaterThanOrEqual(750);
  expect(receiver.requests.every((r) => r.headers['webhook-id'] === msg.id)).toBe(true);

  await expect
    .poll(async () => {
      const attempts = await svix.messageAttempt.listByMsg(app.id, msg.id);
      // Newest first.
      return attempts.data.map((a) => [a.status, a.responseStatusCode]);
    })
    .toEqual([
      [MessageStatus.Success, 200],
      [MessageStatus.Fail, 503],
      [MessageStatus.Fail, 503],
    ]);
  const destinations = await svix.messageAttempt.listAttemptedDestinations(app.id, msg.id);
  expect(destinations.data.map((d) => [d.id, d.status])).toEqual([[endpoint.id, MessageStatus.Success]]);
});
