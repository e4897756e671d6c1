import { newId } from '../../src/core/ids.js';
import type { DeliveryStatus } from '../../src/core/types.js';
import type { ClaimedMessage, DeliveryOutcome, Store } from '../../src/store/store.js';

/**
 * Plays the delivery engine's part in API tests: claims every due delivery and records one
 * attempt for each, with the given outcome. Returns the attempt ids.
 */
export async function recordAttempts(
  store: Store,
  outcome: {
    status: 'success' | 'fail';
    deliveryStatus?: DeliveryStatus;
    responseStatusCode?: number;
    response?: string;
    nextAttemptAt?: number | null;
  },
  now = Date.now(),
): Promise<string[]> {
  const workerId = newId('wrk', now);
  const claimed = (await store.queue.claim(workerId, 1000, 60_000, now)) as ClaimedMessage[];
  const outcomes = claimed.map(
    ({ delivery, message, endpoint }): DeliveryOutcome => ({
      attempt: {
        kind: 'message',
        id: newId('atmpt', now),
        deliveryId: delivery.id,
        appId: delivery.appId,
        msgId: message.id,
        endpointId: endpoint.id,
        url: endpoint.url,
        status: outcome.status,
        responseStatusCode: outcome.responseStatusCode ?? (outcome.status === 'success' ? 200 : 500),
        response: outcome.response ?? (outcome.status === 'success' ? 'ok' : 'boom'),
        responseDurationMs: 12,
        requestHeaders: {},
        trigger: delivery.trigger,
        createdAt: now,
      },
      status: outcome.deliveryStatus ?? outcome.status,
      nextAttemptAt: outcome.nextAttemptAt ?? null,
    }),
  );
  await store.queue.record(workerId, outcomes, now);
  return outcomes.map((o) => o.attempt.id);
}
