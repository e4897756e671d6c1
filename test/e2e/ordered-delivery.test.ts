import { Svix } from 'svix';
import { afterEach, expect, it } from 'vitest';
import { startTestHookd, TEST_ADMIN_TOKEN } from '../helpers/hookd.js';
import { startReceiver } from '../helpers/receiver.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const MESSAGES = 1_000;
/** Accelerated: 12 attempts over about a second, so that no message runs out of them (0.2^12 each). */
const RETRY_SCHEDULE_SECONDS = [0, 0.02, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];

/** A seeded generator (mulberry32): the same failures on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it('an ordered endpoint gets each message only after every earlier one succeeded, with 20% of requests failing', {
  timeout: 600_000,
}, async () => {
  const hookd = await startTestHookd({ retryScheduleSeconds: RETRY_SCHEDULE_SECONDS });
  cleanups.push(() => hookd.stop());
  const random = seeded(11);
  const receiver = await startReceiver(() => (random() < 0.2 ? 500 : 200));
  cleanups.push(() => receiver.close());
  const svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url });
  const app = await svix.application.create({ name: 'ordered' });
  // `ordered` is a hookd extension: the svix SDK does not send fields it does not know.
  const created = await fetch(`${hookd.url}/api/v1/app/${app.id}/endpoint`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, ordered: true }),
  });
  expect(await created.json()).toMatchObject({ ordered: true });
  // An unordered endpoint of the same application, to see that it is not held back.
  const free = await startReceiver(() => 200);
  cleanups.push(() => free.close());
  await svix.endpoint.create(app.id, { url: free.url });

  // Sent in bursts of 50, as concurrent API calls: creation order is message id order.
  const ids: string[] = [];
  for (let i = 0; i < MESSAGES; i += 50) {
    const burst = await Promise.all(
      Array.from({ length: 50 }, (_, j) => svix.message.create(app.id, { eventType: 'a.b', payload: { i: i + j } })),
    );
    ids.push(...burst.map((m) => m.id));
  }
  ids.sort();
  await free.waitFor((reqs) => reqs.length === MESSAGES, 120_000);
  // The responder's verdict on the n-th request, replayed from the same seed.
  const verdicts: number[] = [];
  const replay = seeded(11);
  const statusOf = (n: number) => {
    while (verdicts.length <= n) verdicts.push(replay() < 0.2 ? 500 : 200);
    return verdicts[n];
  };
  const done = () => receiver.requests.filter((_r, n) => statusOf(n) === 200).length;
  await expect.poll(done, { timeout: 480_000, interval: 500 }).toBe(MESSAGES);

  // Every request (first try or retry) of the k-th message came when exactly the k messages
  // before it had succeeded: none after it, and no later message was tried while it was open.
  const position = new Map(ids.map((id, k) => [id, k]));
  let succeeded = 0;
  const outOfOrder: string[] = [];
  for (const [n, request] of receiver.requests.entries()) {
    const k = position.get(request.headers['webhook-id'] as string)!;
    if (k !== succeeded) outOfOrder.push(`request ${n}: message ${k} while ${succeeded} had succeeded`);
    if (statusOf(n) === 200) succeeded++;
  }
  expect(outOfOrder).toEqual([]);
  expect(succeeded).toBe(MESSAGES);
  const retries = receiver.requests.length - MESSAGES;
  expect(retries).toBeGreaterThan(100); // the receiver did fail about one request in five
  console.log(
    `ordered delivery (${process.env.HOOKD_TEST_BACKEND ?? 'sqlite'}): ${MESSAGES} messages in order, ${retries} retries`,
  );
});
