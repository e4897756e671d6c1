import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../helpers/api-client.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/**
 * W3C Trace Context: the `traceparent` of the API call that creates a message is kept with it, and
 * every attempt (the first, handed straight to the engine, and a retry, claimed from the queue)
 * carries it with the same trace id and flags and a span id of its own. No tracer is registered
 * in this process: the OpenTelemetry API is a no-op, and hookd still names a child span.
 */
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

describe('traceparent', { timeout: 60_000 }, () => {
  let hookd: TestHookd;
  let receiver: Receiver;
  let api: ReturnType<typeof createApiClient>;
  let appId: string;

  beforeAll(async () => {
    // The first attempt of each message fails, so that each has a retry (claimed from the queue).
    const attempts = new Map<string, number>();
    receiver = await startReceiver((req) => {
      const id = String(req.headers['webhook-id']);
      attempts.set(id, (attempts.get(id) ?? 0) + 1);
      return attempts.get(id) === 1 ? 500 : 200;
    });
    hookd = await startTestHookd({ retryScheduleSeconds: [0, 0.2] });
    api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    appId = (await api.post('/api/v1/app', { body: { name: 'traced' } })).body.id;
    await api.post(`/api/v1/app/${appId}/endpoint`, { body: { url: receiver.url } });
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  /** Sends a message with these headers; resolves with the traceparent header of each of its two attempts. */
  async function attemptsOf(headers: Record<string, string>): Promise<(string | undefined)[]> {
    const sent = await api.post(`/api/v1/app/${appId}/msg`, { body: { eventType: 'a', payload: {} }, headers });
    expect(sent.status).toBe(202);
    const ofMessage = () => receiver.requests.filter((r) => r.headers['webhook-id'] === sent.body.id);
    await receiver.waitFor(() => ofMessage().length === 2);
    return ofMessage().map((r) => r.headers.traceparent as string | undefined);
  }

  it('sends each attempt as a child span of the creating call, retries included', async () => {
    const headers = await attemptsOf({ traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` });
    const parts = headers.map((h) => TRACEPARENT.exec(h ?? ''));
    expect(parts.every((p) => p !== null)).toBe(true);
    for (const p of parts) {
      expect(p![1]).toBe(TRACE_ID);
      expect(p![3]).toBe('01');
      expect(p![2]).not.toBe(PARENT_SPAN);
    }
    expect(parts[0]![2]).not.toBe(parts[1]![2]);
  });

  it('sends none for a message created without one, or with an invalid one (ignored, as the spec says)', async () => {
    expect(await attemptsOf({})).toEqual([undefined, undefined]);
    expect(await attemptsOf({ traceparent: `00-${'0'.repeat(32)}-${PARENT_SPAN}-01` })).toEqual([undefined, undefined]);
  });
});
