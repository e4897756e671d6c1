import { afterEach, beforeEach } from 'vitest';
import { newId } from '../../core/ids.js';
import type { Application, Attempt, Endpoint } from '../../core/types.js';
import type { FairLimits } from '../fair-share.js';
import type {
  ClaimedEvent,
  ClaimedMessage,
  DeliveryOutcome,
  EndpointInput,
  MessageInput,
  Page,
  Store,
} from '../store.js';

/** The suite's clock: every test passes times relative to this instant. */
export const T0 = 1_700_000_000_000;
export const LEASE_MS = 30_000;

/** Opens a fresh store; `fairLimits` as the store option (default: the store's defaults). */
export type MakeStore = (fairLimits?: FairLimits) => Promise<Store>;

/** The default endpoint limit, and an application limit above any burst a test sends. */
export const ROOMY_APPLICATIONS: FairLimits = { endpoint: 16, application: 100_000 };

/** The store of the running test: a fresh, migrated one per test, closed after it. */
export interface SuiteContext {
  readonly store: Store;
  /** Replaces the test's store (still empty) by a fresh one with these limits. */
  useFairLimits(fairLimits: FairLimits): Promise<void>;
}

export function setUpStore(makeStore: MakeStore): SuiteContext {
  let current: Store | null = null;
  beforeEach(async () => {
    current = await makeStore();
    await current.migrate();
  });
  afterEach(async () => {
    await current?.close();
    current = null;
  });
  return {
    get store(): Store {
      if (!current) throw new Error('no store outside a test');
      return current;
    },
    async useFairLimits(fairLimits) {
      await current?.close();
      current = await makeStore(fairLimits);
      await current.migrate();
    },
  };
}

export function createApp(store: Store, uid: string | null = null): Promise<Application> {
  return store.applications.create({ name: 'Acme', uid }, T0);
}

export function endpointInput(overrides: Partial<EndpointInput> = {}): EndpointInput {
  return { url: 'https://example.com/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', ...overrides };
}

export function createEndpoint(store: Store, appId: string, overrides: Partial<EndpointInput> = {}): Promise<Endpoint> {
  return store.endpoints.create(appId, endpointInput(overrides), T0);
}

export function messageInput(appRef: string, overrides: Partial<MessageInput> = {}): MessageInput {
  return { appRef, eventType: 'invoice.paid', payload: '{"amount":100}', ...overrides };
}

/** `queue.claim`, for a store that holds message deliveries only: throws on another kind. */
export async function claimMessages(
  store: Store,
  workerId: string,
  limit: number,
  leaseMs: number,
  now: number,
): Promise<ClaimedMessage[]> {
  const claimed = await store.queue.claim(workerId, limit, leaseMs, now);
  if (claimed.some((c) => c.kind !== 'message')) throw new Error('claimed a delivery that is not of kind message');
  return claimed as ClaimedMessage[];
}

/** The attempt a worker would record for a claimed delivery. */
export function attemptFor(claimed: ClaimedMessage, status: 'success' | 'fail', now: number): Attempt {
  return {
    id: newId('atmpt', now),
    deliveryId: claimed.delivery.id,
    appId: claimed.delivery.appId,
    msgId: claimed.message.id,
    endpointId: claimed.endpoint.id,
    url: claimed.endpoint.url,
    status,
    responseStatusCode: status === 'success' ? 200 : 500,
    response: status === 'success' ? 'ok' : 'boom',
    responseDurationMs: 12,
    requestHeaders: { 'webhook-id': claimed.message.id },
    trigger: claimed.delivery.trigger,
    createdAt: now,
  };
}

export function outcomeFor(
  claimed: ClaimedMessage,
  now: number,
  result: Omit<DeliveryOutcome, 'attempt'>,
): DeliveryOutcome {
  return { attempt: attemptFor(claimed, result.status === 'success' ? 'success' : 'fail', now), ...result };
}

/** An event's outcome (its attempt answered 200, or 500 for any other status), as the engine records it. */
export function eventOutcomeFor(
  claimed: ClaimedEvent,
  now: number,
  result: Omit<DeliveryOutcome, 'attempt'>,
): DeliveryOutcome {
  const success = result.status === 'success';
  return {
    attempt: {
      kind: 'event',
      id: `atmpt_${claimed.delivery.id}`,
      deliveryId: claimed.delivery.id,
      requestId: claimed.request.id,
      destinationId: claimed.destination.id,
      url: claimed.destination.url,
      status: success ? 'success' : 'fail',
      responseStatusCode: success ? 200 : 500,
      response: '',
      responseDurationMs: 1,
      requestHeaders: {},
      trigger: 0,
      createdAt: now,
    },
    ...result,
  };
}

/** Follows `iterator` (or `prevIterator` when `backwards`) until `done`, one array per page. */
export async function collectPages<T>(
  fetchPage: (iterator: string | null) => Promise<Page<T>>,
  first: string | null = null,
  backwards = false,
): Promise<T[][]> {
  const pages: T[][] = [];
  let iterator = first;
  for (let guard = 0; guard < 1_000; guard++) {
    const page = await fetchPage(iterator);
    pages.push(page.data);
    if (page.done) return pages;
    iterator = backwards ? page.prevIterator : page.iterator;
  }
  throw new Error('paging did not end');
}

/** Counts the onWork signals of a store from now on. */
export function countWork(store: Store): { readonly count: number } {
  let count = 0;
  store.queue.onWork(() => {
    count += 1;
  });
  return {
    get count() {
      return count;
    },
  };
}
