import type { Logger } from 'pino';
import { ConflictError } from '../core/errors.js';
import type { Attempt } from '../core/types.js';
import type { ClaimedDelivery, DeliveryOutcome, Store } from '../store/store.js';
import { withOverrides } from '../store/with-overrides.js';

/*
 * Operational webhooks: events about hookd itself, sent to the operator's endpoints. Decision: the
 * operator's endpoints are endpoints of one internal application (uid `OPERATIONAL_APP_UID`), and
 * each event is a message to it, so the same engine signs (Standard Webhooks), retries and records
 * them. The events are observed at the store, after their change committed: endpoint writes, and
 * the outcomes the engine records; nothing in the engine or the routes changes.
 */

/** The internal application's uid; reserved. */
export const OPERATIONAL_APP_UID = 'hookd-operational';
/** `message.attempt.failing` goes out when a delivery's attempt number N fails; `recovered` when a later one succeeds. */
export const FAILING_AFTER_ATTEMPTS = 4;

export type OperationalEventType =
  | 'endpoint.created'
  | 'endpoint.updated'
  | 'endpoint.deleted'
  | 'endpoint.disabled'
  | 'message.attempt.exhausted'
  | 'message.attempt.failing'
  | 'message.attempt.recovered';

/** The internal application's id, creating it at first start. */
export async function ensureOperationalApp(store: Store, now: number): Promise<string> {
  const found = await store.applications.get(OPERATIONAL_APP_UID);
  if (found) return found.id;
  try {
    return (await store.applications.create({ name: 'hookd operational webhooks', uid: OPERATIONAL_APP_UID }, now)).id;
  } catch (error) {
    // Another process created it meanwhile.
    if (!(error instanceof ConflictError)) throw error;
    return (await store.applications.get(OPERATIONAL_APP_UID))!.id;
  }
}

/**
 * `store` that also sends operational webhooks: `endpoint.created|updated|deleted` after those
 * writes, `endpoint.disabled` when a recorded outcome disables an endpoint (410 Gone),
 * `message.attempt.exhausted` when a delivery fails for good, `message.attempt.failing` when its
 * 4th attempt fails, and `message.attempt.recovered` when it succeeds after that. Nothing is sent
 * about the internal application's own endpoints and deliveries (no loops). Payloads follow Svix:
 * `{type, timestamp, data: {appId, appUid, endpointId, endpointUid?, msgId?, msgEventId?, lastAttempt?}}`.
 */
export function withOperationalWebhooks(store: Store, operationalAppId: string, logger: Logger, now = Date.now): Store {
  const { endpoints, queue } = store;
  /** Attempt count of each delivery this process leased, at its claim: the outcome's attempt number is one more. */
  const attemptCounts = new Map<string, number>();

  const emit = (type: OperationalEventType, data: Record<string, unknown>) => {
    const payload = JSON.stringify({ type, timestamp: new Date(now()).toISOString(), data });
    store.messages.create({ appRef: operationalAppId, eventType: type, payload }, now()).catch((error: Error) => {
      logger.error({ err: { name: error.name, message: error.message }, type }, 'operational webhook not stored');
    });
  };
  const appData = async (appId: string) => ({ appId, appUid: (await store.applications.get(appId))?.uid ?? null });
  const remember = (claimed: ClaimedDelivery[]) => {
    for (const c of claimed) if (c.kind === 'message') attemptCounts.set(c.delivery.id, c.delivery.attemptCount);
    return claimed;
  };

  /** The operational events one recorded outcome causes (most cause none: no read then). */
  const eventsOf = ({ attempt, status, nextAttemptAt, disableEndpoint }: DeliveryOutcome, attemptNumber: number) => {
    const types: OperationalEventType[] = [];
    if (disableEndpoint) types.push('endpoint.disabled');
    if (attempt.status === 'success' && attemptNumber > FAILING_AFTER_ATTEMPTS) types.push('message.attempt.recovered');
    if (attempt.status === 'fail' && attemptNumber === FAILING_AFTER_ATTEMPTS && status === 'pending')
      types.push('message.attempt.failing');
    if (status === 'fail' && nextAttemptAt === null) types.push('message.attempt.exhausted');
    return types;
  };

  const observe = async (outcomes: DeliveryOutcome[]) => {
    for (const outcome of outcomes) {
      const { attempt } = outcome;
      if (attempt.kind === 'event') continue;
      const done = attemptCounts.get(attempt.deliveryId);
      attemptCounts.delete(attempt.deliveryId);
      if (attempt.appId === operationalAppId) continue;
      const types = eventsOf(outcome, (done ?? 0) + 1);
      // The application's uid is read only for an outcome that sends something: reading it for
      // every outcome cost the send bench's event loop 195 → 168 µs per message (SQLite).
      if (types.length === 0) continue;
      const data = { ...(await appData(attempt.appId)), endpointId: attempt.endpointId, msgId: attempt.msgId };
      for (const type of types) {
        if (type === 'endpoint.disabled')
          emit(type, { ...data, failSince: new Date(outcome.failingSince ?? attempt.createdAt).toISOString() });
        else emit(type, { ...data, lastAttempt: lastAttempt(attempt) });
      }
    }
  };

  const endpointEvent = async (
    type: OperationalEventType,
    appId: string,
    endpoint: { id: string; uid: string | null },
  ) => {
    if (appId !== operationalAppId)
      emit(type, { ...(await appData(appId)), endpointId: endpoint.id, endpointUid: endpoint.uid });
  };

  return withOverrides(store, {
    endpoints: withOverrides(endpoints, {
      create: async (appId, input, at) => {
        const endpoint = await endpoints.create(appId, input, at);
        await endpointEvent('endpoint.created', appId, endpoint);
        return endpoint;
      },
      update: async (appId, ref, input, at) => {
        const endpoint = await endpoints.update(appId, ref, input, at);
        await endpointEvent('endpoint.updated', appId, endpoint);
        return endpoint;
      },
      delete: async (appId, ref) => {
        const endpoint = await endpoints.get(appId, ref);
        await endpoints.delete(appId, ref);
        if (endpoint) await endpointEvent('endpoint.deleted', appId, endpoint);
      },
    }),
    queue: withOverrides(queue, {
      claim: async (workerId, limit, leaseMs, at) => remember(await queue.claim(workerId, limit, leaseMs, at)),
      attachLocalWorker: (worker) =>
        queue.attachLocalWorker(worker && withOverrides(worker, { take: (claimed) => worker.take(remember(claimed)) })),
      record: async (workerId, outcomes, at, handOff) => {
        const handed = remember(await queue.record(workerId, outcomes, at, handOff));
        await observe(outcomes).catch((error: Error) => {
          logger.error({ err: { name: error.name, message: error.message } }, 'operational webhooks not sent');
        });
        return handed;
      },
    }),
  });
}

/** Svix's `lastAttempt`: `{id, timestamp, responseStatusCode}`. */
function lastAttempt(attempt: Attempt) {
  return {
    id: attempt.id,
    timestamp: new Date(attempt.createdAt).toISOString(),
    responseStatusCode: attempt.responseStatusCode,
  };
}
