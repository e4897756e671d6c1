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
} from '../../core/types.js';
import type {
  ApplicationInput,
  AttemptQuery,
  ClaimedDelivery,
  DeliveryOutcome,
  EndpointInput,
  EndpointMessage,
  EndpointMessageQuery,
  EventTypeInput,
  IdempotencyState,
  LocalWorker,
  MessageDestination,
  MessageInput,
  MessageQuery,
  Page,
  PageQuery,
  Store,
  StoredResponse,
  TimeRange,
} from '../store.js';
import { type WorkDue, WorkSignal } from '../work-signal.js';
import { SqliteApplications } from './applications.js';
import { SqliteAttempts } from './attempts.js';
import { SqliteAuth } from './auth.js';
import { SqliteDb } from './database.js';
import { SqliteDeliveryQueue } from './delivery-queue.js';
import { SqliteDeliveryRequeue } from './delivery-requeue.js';
import { SqliteEndpoints } from './endpoints.js';
import { SqliteEventTypes } from './event-types.js';
import { SqliteMessageWriter } from './message-writer.js';
import { SqliteMessages } from './messages.js';
import { migrate } from './migrations.js';

/**
 * The `Store` on one embedded SQLite database (better-sqlite3, WAL). Each area of the schema lives
 * in its own class in this folder; this class only routes the interface to them.
 *
 * better-sqlite3 is synchronous: every method runs to completion on the event loop, so a single
 * process needs no locks of its own. Write transactions use BEGIN IMMEDIATE (see `SqliteDb`), so
 * several processes can share the file. `createMessage` is the one method that waits: it joins the
 * next group commit.
 */
export class SqliteStore implements Store {
  private readonly work = new WorkSignal();
  private readonly applications: SqliteApplications;
  private readonly eventTypes: SqliteEventTypes;
  private readonly endpoints: SqliteEndpoints;
  private readonly messages: SqliteMessages;
  private readonly writer: SqliteMessageWriter;
  private readonly queue: SqliteDeliveryQueue;
  private readonly requeue: SqliteDeliveryRequeue;
  private readonly attempts: SqliteAttempts;
  private readonly auth: SqliteAuth;

  private constructor(private readonly db: SqliteDb) {
    this.applications = new SqliteApplications(db);
    this.eventTypes = new SqliteEventTypes(db);
    this.endpoints = new SqliteEndpoints(db);
    this.messages = new SqliteMessages(db);
    this.writer = new SqliteMessageWriter(db, this.work);
    this.queue = new SqliteDeliveryQueue(db, this.work);
    this.requeue = new SqliteDeliveryRequeue(db, this.work);
    this.attempts = new SqliteAttempts(db);
    this.auth = new SqliteAuth(db);
  }

  /**
   * Opens (creating it and its directory if needed) the database at `path`, or an in-memory one
   * for `':memory:'`. Does not migrate: call `migrate()` before first use.
   */
  static open(path: string): SqliteStore {
    return new SqliteStore(SqliteDb.open(path));
  }

  async migrate(): Promise<void> {
    migrate(this.db.raw);
  }

  /** Writes any queued messages first: a caller that got a promise gets its commit. */
  async close(): Promise<void> {
    if (!this.db.raw.open) return;
    this.writer.drain();
    this.db.close();
  }

  // --- applications --------------------------------------------------------------------------
  async createApplication(input: ApplicationInput, now: number): Promise<Application> {
    return this.applications.create(input, now);
  }
  async getApplication(ref: string): Promise<Application | null> {
    return this.applications.get(ref);
  }
  async listApplications(page: PageQuery): Promise<Page<Application>> {
    return this.applications.list(page);
  }
  async updateApplication(ref: string, input: ApplicationInput, now: number): Promise<Application> {
    return this.applications.update(ref, input, now);
  }
  async deleteApplication(ref: string): Promise<void> {
    this.applications.delete(ref);
  }

  // --- event types ---------------------------------------------------------------------------
  async createEventType(input: EventTypeInput, now: number): Promise<EventType> {
    return this.eventTypes.create(input, now);
  }
  async getEventType(name: string): Promise<EventType | null> {
    return this.eventTypes.get(name);
  }
  async listEventTypes(page: PageQuery & { includeArchived: boolean }): Promise<Page<EventType>> {
    return this.eventTypes.list(page);
  }
  async updateEventType(name: string, input: Omit<EventTypeInput, 'name'>, now: number): Promise<EventType> {
    return this.eventTypes.update(name, input, now);
  }
  async deleteEventType(name: string, expunge: boolean, now: number): Promise<void> {
    this.eventTypes.delete(name, expunge, now);
  }

  // --- endpoints -----------------------------------------------------------------------------
  async createEndpoint(appId: string, input: EndpointInput, now: number): Promise<Endpoint> {
    return this.endpoints.create(appId, input, now);
  }
  async getEndpoint(appId: string, ref: string): Promise<Endpoint | null> {
    return this.endpoints.get(appId, ref);
  }
  async listEndpoints(appId: string, page: PageQuery): Promise<Page<Endpoint>> {
    return this.endpoints.list(appId, page);
  }
  async updateEndpoint(appId: string, ref: string, input: Omit<EndpointInput, 'secret'>, now: number): Promise<Endpoint> {
    return this.endpoints.update(appId, ref, input, now);
  }
  async deleteEndpoint(appId: string, ref: string): Promise<void> {
    this.endpoints.delete(appId, ref);
  }
  async setEndpointHeaders(appId: string, ref: string, headers: Record<string, string>, now: number): Promise<Endpoint> {
    return this.endpoints.setHeaders(appId, ref, headers, now);
  }
  async setEndpointSecrets(appId: string, ref: string, secrets: EndpointSecret[], now: number): Promise<Endpoint> {
    return this.endpoints.setSecrets(appId, ref, secrets, now);
  }
  async endpointStats(endpointId: string, range: TimeRange): Promise<Record<DeliveryStatus, number>> {
    return this.endpoints.stats(endpointId, range);
  }

  // --- messages ------------------------------------------------------------------------------
  createMessage(input: MessageInput, now: number): Promise<{ message: Message; created: boolean }> {
    return this.writer.create(input, now);
  }
  async getMessage(appId: string, msgId: string): Promise<Message | null> {
    return this.messages.get(appId, msgId);
  }
  async listMessages(appId: string, query: MessageQuery): Promise<Page<Message>> {
    return this.messages.list(appId, query);
  }
  async expungeMessageContent(appId: string, msgId: string): Promise<void> {
    this.messages.expungeContent(appId, msgId);
  }

  // --- deliveries: the queue -----------------------------------------------------------------
  async claimDeliveries(workerId: string, limit: number, leaseMs: number, now: number): Promise<ClaimedDelivery[]> {
    return this.queue.claim(workerId, limit, leaseMs, now);
  }
  async recordOutcomes(workerId: string, outcomes: DeliveryOutcome[], now: number): Promise<void> {
    this.queue.record(workerId, outcomes, now);
  }
  async releaseLeases(workerId: string, now: number): Promise<void> {
    this.queue.release(workerId, now);
  }
  async enqueueResend(appId: string, msgId: string, endpointId: string, now: number): Promise<Delivery> {
    return this.requeue.resend(appId, msgId, endpointId, now);
  }
  async recoverFailed(endpointId: string, range: TimeRange, now: number): Promise<number> {
    return this.requeue.recoverFailed(endpointId, range, now);
  }
  async replayMissing(endpointId: string, range: TimeRange, now: number): Promise<number> {
    return this.requeue.replayMissing(endpointId, range, now);
  }
  async nextDueAt(): Promise<number | null> {
    return this.queue.nextDueAt();
  }
  onWork(listener: (due: WorkDue) => void): () => void {
    return this.work.subscribe(listener);
  }

  /** Batches are written synchronously here: none is ever under way when this is called. */
  async attachLocalWorker(worker: LocalWorker | null): Promise<void> {
    this.writer.attach(worker);
  }

  // --- attempts ------------------------------------------------------------------------------
  async listAttempts(appId: string, query: AttemptQuery): Promise<Page<Attempt>> {
    return this.attempts.list(appId, query);
  }
  async getAttempt(appId: string, msgId: string, attemptId: string): Promise<Attempt | null> {
    return this.attempts.get(appId, msgId, attemptId);
  }
  async expungeAttemptContent(appId: string, msgId: string, attemptId: string): Promise<void> {
    this.attempts.expungeContent(appId, msgId, attemptId);
  }
  async listEndpointMessages(appId: string, endpointId: string, query: EndpointMessageQuery): Promise<Page<EndpointMessage>> {
    return this.attempts.endpointMessages(appId, endpointId, query);
  }
  async listMessageDestinations(appId: string, msgId: string, page: PageQuery): Promise<Page<MessageDestination>> {
    return this.attempts.messageDestinations(appId, msgId, page);
  }

  // --- auth and idempotency ------------------------------------------------------------------
  async createToken(token: ApiToken): Promise<void> {
    this.auth.createToken(token);
  }
  async findTokenByHash(hash: string): Promise<ApiToken | null> {
    return this.auth.findTokenByHash(hash);
  }
  async getSetting(key: string): Promise<string | null> {
    return this.auth.getSetting(key);
  }
  async initSetting(key: string, value: string): Promise<string> {
    return this.auth.initSetting(key, value);
  }
  async beginIdempotency(key: string, now: number, expiresAt: number): Promise<IdempotencyState> {
    return this.auth.beginIdempotency(key, now, expiresAt);
  }
  async completeIdempotency(key: string, response: StoredResponse, expiresAt: number): Promise<void> {
    return this.auth.completeIdempotency(key, response, expiresAt);
  }
  async abandonIdempotency(key: string): Promise<void> {
    return this.auth.abandonIdempotency(key);
  }
}
