import type {
  ApiToken,
  Application,
  Attempt,
  Delivery,
  DeliveryStatus,
  Endpoint,
  EndpointSecret,
  EventType,
  Message,
  Metadata,
  TriggerType,
} from '../core/types.js';
import type { WorkDue } from './work-signal.js';

/**
 * The one boundary between hookd and its database. `sqlite/sqlite-store.ts` and
 * `postgres/postgres-store.ts` implement it; `store.suite.ts` is the conformance suite both pass.
 *
 * Conventions:
 * - Every method is async, even on SQLite, so that both backends share callers.
 * - Methods that take an application's or endpoint's "ref" accept its id or its uid.
 * - "Not found" is `null` from getters and `NotFoundError` from mutators; a uid or eventId that is
 *   taken is `ConflictError`. Nothing else is thrown for expected conditions.
 * - `now` is passed in where the result depends on the clock, so tests control time.
 */
export interface Store {
  /** Runs forward-only migrations. Safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // --- applications --------------------------------------------------------------------------
  createApplication(input: ApplicationInput, now: number): Promise<Application>;
  getApplication(ref: string): Promise<Application | null>;
  listApplications(page: PageQuery): Promise<Page<Application>>;
  /** Replaces the mutable fields; `NotFoundError` when absent. */
  updateApplication(ref: string, input: ApplicationInput, now: number): Promise<Application>;
  /** Deletes the application with its endpoints, messages, deliveries and attempts. */
  deleteApplication(ref: string): Promise<void>;

  // --- event types ---------------------------------------------------------------------------
  createEventType(input: EventTypeInput, now: number): Promise<EventType>;
  getEventType(name: string): Promise<EventType | null>;
  listEventTypes(page: PageQuery & { includeArchived: boolean }): Promise<Page<EventType>>;
  updateEventType(name: string, input: Omit<EventTypeInput, 'name'>, now: number): Promise<EventType>;
  /** `expunge: false` archives the event type (Svix's default); `true` deletes the row. */
  deleteEventType(name: string, expunge: boolean, now: number): Promise<void>;

  // --- endpoints -----------------------------------------------------------------------------
  createEndpoint(appId: string, input: EndpointInput, now: number): Promise<Endpoint>;
  getEndpoint(appId: string, ref: string): Promise<Endpoint | null>;
  listEndpoints(appId: string, page: PageQuery): Promise<Page<Endpoint>>;
  /** Replaces the mutable fields (not secrets). */
  updateEndpoint(appId: string, ref: string, input: Omit<EndpointInput, 'secret'>, now: number): Promise<Endpoint>;
  deleteEndpoint(appId: string, ref: string): Promise<void>;
  setEndpointHeaders(appId: string, ref: string, headers: Record<string, string>, now: number): Promise<Endpoint>;
  /** Sets the endpoint's keys as given (the caller computes rotation and grace periods). */
  setEndpointSecrets(appId: string, ref: string, secrets: EndpointSecret[], now: number): Promise<Endpoint>;
  /** Counts of the endpoint's deliveries by status, created in [since, until). */
  endpointStats(endpointId: string, range: TimeRange): Promise<Record<DeliveryStatus, number>>;

  // --- messages ------------------------------------------------------------------------------
  /**
   * Inserts the message and one pending delivery (due `now`) for each endpoint of the application
   * that matches it (not disabled, event type and channel filters), in one transaction, then
   * signals `onWork`. A message whose `eventId` the application already used is not inserted:
   * the earlier message is returned with `created: false`.
   */
  createMessage(input: MessageInput, now: number): Promise<{ message: Message; created: boolean }>;
  /** By the message's id or, as in Svix, by the `eventId` it was sent with. */
  getMessage(appId: string, msgId: string): Promise<Message | null>;
  listMessages(appId: string, query: MessageQuery): Promise<Page<Message>>;
  /** Clears the payload; the message, deliveries and attempts stay. */
  expungeMessageContent(appId: string, msgId: string): Promise<void>;

  // --- deliveries: the queue -----------------------------------------------------------------
  /**
   * Leases up to `limit` due deliveries (`status` pending, `nextAttemptAt <= now`, or `sending`
   * with an expired lease) to `workerId` until `now + leaseMs`, marks them `sending`, and returns
   * each with what a request needs. Oldest due first.
   */
  claimDeliveries(workerId: string, limit: number, leaseMs: number, now: number): Promise<ClaimedDelivery[]>;
  /**
   * Records a batch of attempt outcomes in one transaction: inserts the attempts, sets each
   * delivery's new state and clears its lease, and disables endpoints where asked. An outcome
   * whose delivery is no longer leased to `workerId` is still recorded as an attempt, but does not
   * change the delivery (another worker owns it now).
   */
  recordOutcomes(workerId: string, outcomes: DeliveryOutcome[], now: number): Promise<void>;
  /** Gives back every lease `workerId` holds (graceful shutdown): the deliveries become due again. */
  releaseLeases(workerId: string, now: number): Promise<void>;
  /** A new one-attempt delivery of the message to the endpoint, due now, with `trigger` Manual. */
  enqueueResend(appId: string, msgId: string, endpointId: string, now: number): Promise<Delivery>;
  /**
   * Makes the endpoint's failed deliveries created in the range due again, and its canceled ones
   * (canceled because the endpoint was disabled when they came due). Returns how many.
   */
  recoverFailed(endpointId: string, range: TimeRange, now: number): Promise<number>;
  /**
   * Creates deliveries to the endpoint for the application's messages in the range that match the
   * endpoint and were never delivered to it. Returns how many.
   */
  replayMissing(endpointId: string, range: TimeRange, now: number): Promise<number>;
  /** When a delivery is due; the engine's safety-net timer sleeps until then. `null`: nothing queued. */
  nextDueAt(): Promise<number | null>;
  /**
   * Calls `listener` whenever new work may be due (after a commit that created or re-queued
   * deliveries for a claim: not for those handed to the local worker), saying whether it is due
   * now or later (a retry).
   */
  onWork(listener: (due: WorkDue) => void): () => void;
  /**
   * Lets the delivery engine of this process take new deliveries as `createMessage` creates them:
   * as many of a batch's deliveries as `worker.reserve` grants are inserted already leased to the
   * worker, and handed to `worker.take` right after the commit. That saves a claim per batch. The
   * rest wait for a claim after `onWork`, as every delivery does in a process without an engine
   * (role `api`). `null` detaches; the promise resolves when no batch under way still owes the
   * previous worker a hand-off.
   */
  attachLocalWorker(worker: LocalWorker | null): Promise<void>;

  // --- attempts ------------------------------------------------------------------------------
  listAttempts(appId: string, query: AttemptQuery): Promise<Page<Attempt>>;
  getAttempt(appId: string, msgId: string, attemptId: string): Promise<Attempt | null>;
  expungeAttemptContent(appId: string, msgId: string, attemptId: string): Promise<void>;
  /** Messages that have a delivery to the endpoint, newest first, with that delivery's state. */
  listEndpointMessages(appId: string, endpointId: string, query: EndpointMessageQuery): Promise<Page<EndpointMessage>>;
  /** Endpoints that the message has a delivery to, with the latest delivery's state. */
  listMessageDestinations(appId: string, msgId: string, page: PageQuery): Promise<Page<MessageDestination>>;

  // --- auth and idempotency ------------------------------------------------------------------
  createToken(token: ApiToken): Promise<void>;
  findTokenByHash(hash: string): Promise<ApiToken | null>;
  /** A small key/value table for server settings, e.g. the admin token's hash. */
  getSetting(key: string): Promise<string | null>;
  /**
   * Stores `value` unless the key already holds one, atomically (two processes starting at once
   * agree on one value); returns the value the key holds afterwards.
   */
  initSetting(key: string, value: string): Promise<string>;
  /**
   * Claims an idempotency key until `expiresAt` (a short lease: if the process dies mid-request,
   * the key frees itself). `new`: the caller runs the request and then calls
   * `completeIdempotency`. `done`: the first response, to replay. `running`: another request with
   * the same key has not finished yet. Keys are scoped by the caller (token and path).
   */
  beginIdempotency(key: string, now: number, expiresAt: number): Promise<IdempotencyState>;
  /** Stores the response to replay, until `expiresAt`. */
  completeIdempotency(key: string, response: StoredResponse, expiresAt: number): Promise<void>;
  /** Forgets a key whose request failed before it produced a response worth replaying. */
  abandonIdempotency(key: string): Promise<void>;
}

export interface PageQuery {
  /** 1..250. */
  limit: number;
  /** From a previous page: `iterator` to go on, `prevIterator` (starts with `-`) to go back. */
  iterator?: string | null;
  /** Default is per list: applications and endpoints ascending, messages and attempts descending. */
  order?: 'ascending' | 'descending';
}

export interface Page<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

export interface TimeRange {
  since?: number | null;
  until?: number | null;
}

export interface ApplicationInput {
  name: string;
  uid?: string | null;
  metadata?: Metadata;
  throttleRate?: number | null;
}

export interface EventTypeInput {
  name: string;
  description: string;
  archived?: boolean;
  deprecated?: boolean;
  featureFlag?: string | null;
  schemas?: Record<string, unknown> | null;
}

export interface EndpointInput {
  url: string;
  uid?: string | null;
  description?: string;
  eventTypes?: string[] | null;
  channels?: string[] | null;
  disabled?: boolean;
  metadata?: Metadata;
  throttleRate?: number | null;
  headers?: Record<string, string>;
  /** The first signing key; required here (the caller generates one when the user gave none). */
  secret: string;
}

export interface MessageInput {
  /** The application's id or uid: the writer resolves it in its batch, so the API need not look it up first. */
  appRef: string;
  eventType: string;
  eventId?: string | null;
  channels?: string[] | null;
  /** JSON text, already serialized once: this exact text is signed and sent. */
  payload: string;
  /** Deliver to this endpoint only, whatever its filters (send-example). */
  onlyEndpointId?: string;
}

export interface MessageQuery extends PageQuery {
  channel?: string;
  eventTypes?: string[];
  /** Only messages created before / after these times. */
  before?: number;
  after?: number;
}

export interface AttemptQuery extends PageQuery {
  msgId?: string;
  endpointId?: string;
  status?: 'success' | 'fail';
  before?: number;
  after?: number;
}

export interface EndpointMessageQuery extends PageQuery {
  status?: DeliveryStatus;
  channel?: string;
  eventTypes?: string[];
  before?: number;
  after?: number;
}

export interface EndpointMessage {
  message: Message;
  status: DeliveryStatus;
  nextAttemptAt: number | null;
}

export interface MessageDestination {
  endpoint: Endpoint;
  status: DeliveryStatus;
  nextAttemptAt: number | null;
}

/** A leased delivery with everything a request needs, joined at claim time. */
export interface ClaimedDelivery {
  delivery: Delivery;
  message: Message;
  endpoint: Endpoint;
}

/**
 * The engine of this process, as `attachLocalWorker` sees it. A batch reserves room before it
 * writes, and after its commit hands over what it leased (each delivery uses one reserved place)
 * and gives back the rest; so the engine's claims and the batches in flight never start more
 * deliveries together than its concurrency.
 */
export interface LocalWorker {
  workerId: string;
  leaseMs: number;
  /** Holds room for up to `wanted` deliveries; returns how many it holds. */
  reserve(wanted: number): number;
  /** Gives back places held by `reserve` that no delivery will use. */
  unreserve(count: number): void;
  /** Deliveries leased to it at creation, right after their commit: it counts them at once and sends them. */
  take(claimed: ClaimedDelivery[]): void;
}

export interface DeliveryOutcome {
  attempt: Attempt;
  /** The delivery's state after this attempt. */
  status: DeliveryStatus;
  nextAttemptAt: number | null;
  /** e.g. after a 410 Gone. */
  disableEndpoint?: boolean;
}

export interface StoredResponse {
  statusCode: number;
  body: string;
}

export type IdempotencyState =
  | { state: 'new' }
  | { state: 'running' }
  | { state: 'done'; response: StoredResponse };

export type { TriggerType };
