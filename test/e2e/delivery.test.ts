import { afterEach, describe, expect, it } from 'vitest';
import { Svix, MessageStatus } from 'svix';
import { startReceiver } from '../helpers/receiver.js';
import { startTestHookd, TEST_ADMIN_TOKEN } from '../helpers/hookd.js';
import { generateSigningKeyPair } from '../../src/core/signing.js';
import { verifyEd25519 } from '../helpers/ed25519.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(respond: Parameters<typeof startReceiver>[0], ...args: Parameters<typeof startTestHookd>) {
  const hookd = await startTestHookd(...args);
  const receiver = await startReceiver(respond);
  cleanups.push(
    () => hookd.stop(),
    () => receiver.close(),
  );
  const svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url });
  const app = await svix.application.create({ name: 'delivery' });
  return { hookd, receiver, svix, app };
}

/** The delivery state of a message to its one endpoint, once its first attempt is recorded. */
async function destinationAfterAttempts(svix: Svix, appId: string, msgId: string, attempts = 1) {
  await expect
    .poll(async () => (await svix.messageAttempt.listByMsg(appId, msgId)).data.length, { timeout: 10_000 })
    .toBe(attempts);
  const [destination] = (await svix.messageAttempt.listAttemptedDestinations(appId, msgId)).data;
  const [attempt] = (await svix.messageAttempt.listByMsg(appId, msgId)).data;
  return { destination, attempt };
}

describe('delivery outcomes', () => {
  it('410 Gone fails the delivery and disables the endpoint', async () => {
    const { svix, app, receiver } = await setup(() => 410);
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
    const msg = await svix.message.create(app.id, { eventType: 'a.b', payload: {} });
    const { destination } = await destinationAfterAttempts(svix, app.id, msg.id);
    expect(destination.status).toBe(MessageStatus.Fail);
    await expect.poll(async () => (await svix.endpoint.get(app.id, endpoint.id)).disabled).toBe(true);
  });

  it('a timeout is a failed attempt with no status, retried no sooner than 60 s later', async () => {
    const { svix, app, receiver } = await setup(
      (_req, _n, res) => void setTimeout(() => res.writeHead(200).end(), 2_000),
      { requestTimeoutMs: 200 },
    );
    await svix.endpoint.create(app.id, { url: receiver.url });
    const before = Date.now();
    const msg = await svix.message.create(app.id, { eventType: 'a.b', payload: {} });
    const { destination, attempt } = await destinationAfterAttempts(svix, app.id, msg.id);
    expect(attempt.responseStatusCode).toBe(0);
    expect(attempt.status).toBe(MessageStatus.Fail);
    expect(destination.status).toBe(MessageStatus.Pending);
    expect(destination.nextAttempt!.getTime()).toBeGreaterThanOrEqual(before + 60_000);
  });

  it('honours Retry-After on a 429', async () => {
    const { svix, app, receiver } = await setup(
      (_req, _n, res) => void res.writeHead(429, { 'retry-after': '600' }).end(),
    );
    await svix.endpoint.create(app.id, { url: receiver.url });
    const before = Date.now();
    const msg = await svix.message.create(app.id, { eventType: 'a.b', payload: {} });
    const { destination, attempt } = await destinationAfterAttempts(svix, app.id, msg.id);
    expect(attempt.responseStatusCode).toBe(429);
    expect(destination.nextAttempt!.getTime()).toBeGreaterThanOrEqual(before + 600_000);
  });

  it('does not follow redirects: a 302 is a failed attempt', async () => {
    const target = await startReceiver();
    cleanups.push(() => target.close());
    const { svix, app, receiver } = await setup(
      (_req, _n, res) => void res.writeHead(302, { location: target.url }).end(),
    );
    await svix.endpoint.create(app.id, { url: receiver.url });
    const msg = await svix.message.create(app.id, { eventType: 'a.b', payload: {} });
    const { attempt } = await destinationAfterAttempts(svix, app.id, msg.id);
    expect(attempt.responseStatusCode).toBe(302);
    expect(attempt.status).toBe(MessageStatus.Fail);
    expect(target.requests).toHaveLength(0);
  });

  it('refuses at send time a host name that resolves to a loopback address, without connecting', async () => {
    const lookups: string[] = [];
    const { svix, app, receiver } = await setup(
      () => 200,
      { allowedNetworks: [] },
      {
        resolve: async (hostname) => {
          lookups.push(hostname);
          return [{ address: '127.0.0.1', family: 4 }];
        },
      },
    );
    const port = new URL(receiver.url).port;
    await svix.endpoint.create(app.id, { url: `http://hooks.customer.test:${port}/in` });
    const msg = await svix.message.create(app.id, { eventType: 'a.b', payload: {} });
    const { attempt } = await destinationAfterAttempts(svix, app.id, msg.id);
    expect(lookups).toContain('hooks.customer.test');
    expect(attempt.status).toBe(MessageStatus.Fail);
    expect(attempt.responseStatusCode).toBe(0);
    expect(receiver.requests).toHaveLength(0);
  });

  it('sends the endpoint headers and records them with credentials redacted', async () => {
    const { svix, app, receiver } = await setup(() => 200);
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
    await svix.endpoint.setHeaders(app.id, endpoint.id, {
      headers: { 'X-Team': 'billing', Authorization: 'Bearer s3cret' },
    });
    const msg = await svix.message.create(app.id, { eventType: 'a.b', payload: { x: 1 } });
    await receiver.waitFor((reqs) => reqs.length === 1);
    expect(receiver.requests[0].headers['x-team']).toBe('billing');
    expect(receiver.requests[0].headers.authorization).toBe('Bearer s3cret');
    expect(receiver.requests[0].body).toBe('{"x":1}');
    const { attempt } = await destinationAfterAttempts(svix, app.id, msg.id);
    expect(attempt.status).toBe(MessageStatus.Success);
  });

  it('a graceful stop finishes the requests in flight and records them', async () => {
    const { hookd, svix, app, receiver } = await setup(
      (_req, _n, res) => void setTimeout(() => res.writeHead(200).end(), 300),
    );
    await svix.endpoint.create(app.id, { url: receiver.url });
    await Promise.all(Array.from({ length: 20 }, () => svix.message.create(app.id, { eventType: 'a.b', payload: {} })));
    await receiver.waitFor((reqs) => reqs.length === 20);
    // The receiver holds each response for 300 ms: all 20 are in flight now.
    await hookd.engine!.stop();
    const attempts = await hookd.store.attempts.list(app.id, { limit: 250 });
    expect(attempts.data).toHaveLength(20);
    expect(attempts.data.every((a) => a.status === 'success')).toBe(true);
  });
});

describe('expunged content', () => {
  it('a delivery of an expunged message fails at once instead of running out the schedule', async () => {
    const { hookd, svix, app, receiver } = await setup(() => 200);
    const msg = await svix.message.create(app.id, { eventType: 'a.b', payload: { secret: 1 } });
    await svix.message.expungeContent(app.id, msg.id);
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
    expect(await hookd.store.requeue.replayMissing(endpoint.id, { since: 0 }, Date.now())).toBe(1);
    const { destination, attempt } = await destinationAfterAttempts(svix, app.id, msg.id);
    expect(attempt.status).toBe(MessageStatus.Fail);
    expect(destination.status).toBe(MessageStatus.Fail);
    expect(destination.nextAttempt ?? null).toBeNull();
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('ed25519 signing', () => {
  it('signs v1a for an endpoint whose secret is a whsk_ key; the public key verifies it', async () => {
    const { svix, app, receiver } = await setup(() => 200);
    const { secret, publicKey } = generateSigningKeyPair();
    await svix.endpoint.create(app.id, { url: receiver.url, secret });
    await svix.message.create(app.id, { eventType: 'a.b', payload: { signed: 'ed25519' } });
    await receiver.waitFor((reqs) => reqs.length === 1);
    const [req] = receiver.requests;
    const signature = String(req.headers['webhook-signature']);
    expect(signature).toMatch(/^v1a,/);
    const id = String(req.headers['webhook-id']);
    const timestamp = Number(req.headers['webhook-timestamp']);
    expect(verifyEd25519(publicKey, id, timestamp, req.body, signature)).toBe(true);
    expect(verifyEd25519(publicKey, id, timestamp, req.body.replace('ed25519', 'forged'), signature)).toBe(false);
  });
});

describe('concurrency', () => {
  /** A receiver that holds each response for `holdMs` and records the most requests it held at once. */
  async function slowReceiver(holdMs: number) {
    let open = 0;
    const peak = { value: 0 };
    const receiver = await startReceiver((_req, _n, res) => {
      open++;
      peak.value = Math.max(peak.value, open);
      setTimeout(() => {
        open--;
        res.writeHead(200).end();
      }, holdMs);
    });
    cleanups.push(() => receiver.close());
    return { receiver, peak };
  }

  it('never has more requests in flight than workerConcurrency, hand-offs included', async () => {
    const { receiver, peak } = await slowReceiver(200);
    const hookd = await startTestHookd({ workerConcurrency: 10 });
    cleanups.push(() => hookd.stop());
    const svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url });
    const app = await svix.application.create({ name: 'bounded' });
    await svix.endpoint.create(app.id, { url: receiver.url });
    await Promise.all(Array.from({ length: 30 }, () => svix.message.create(app.id, { eventType: 'a.b', payload: {} })));
    await receiver.waitFor((reqs) => reqs.length === 30);
    expect(peak.value).toBeLessThanOrEqual(10);
    expect(peak.value).toBeGreaterThan(1);
  });

  it('a slow but healthy endpoint gets no false timeouts when many requests go to it at once', async () => {
    // Each request is held until all 200 are open at once (or for 10 s): a sender that queued
    // requests behind a smaller pool would see the queued ones take 10 s + 10 s, past the timeout.
    // (10 s, not less: on a loaded machine, opening 200 requests can take seconds.)
    let open = 0;
    const peak = { value: 0 };
    const held: (() => void)[] = [];
    const receiver = await startReceiver((_req, _n, res) => {
      peak.value = Math.max(peak.value, ++open);
      let answered = false;
      const release = () => {
        if (answered) return;
        answered = true;
        open--;
        res.writeHead(200).end();
      };
      held.push(release);
      setTimeout(release, 10_000).unref();
      if (open === 200) for (const r of held.splice(0)) r();
    });
    cleanups.push(() => receiver.close());
    // One endpoint may take all 200 places here (its limit is 16 by default, its application's 64).
    const hookd = await startTestHookd({
      workerConcurrency: 200,
      endpointConcurrency: 200,
      applicationConcurrency: 200,
      requestTimeoutMs: 15_000,
    });
    cleanups.push(() => hookd.stop());
    const svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: hookd.url });
    const app = await svix.application.create({ name: 'slow' });
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
    await Promise.all(
      Array.from({ length: 200 }, () => svix.message.create(app.id, { eventType: 'a.b', payload: {} })),
    );
    await receiver.waitFor((reqs) => reqs.length === 200);
    expect(peak.value).toBeGreaterThan(128); // more than undici's default pool for one origin
    await expect
      .poll(async () => (await hookd.store.endpoints.stats(endpoint.id, {})).success, { timeout: 30_000 })
      .toBe(200);
  });
});
