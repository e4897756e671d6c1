import { randomUUID } from 'node:crypto';
import pg from 'pg';
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
import { PgApplications } from './applications.js';
import { PgAttempts } from './attempts.js';
import { PgAuth } from './auth.js';
import { connectionConfig, isUniqueViolation, PgDb, type PgConnectionOptions } from './database.js';
import { PgDeliveryQueue } from './delivery-queue.js';
import { PgDeliveryRequeue } from './delivery-requeue.js';
import { PgEndpoints } from './endpoints.js';
import { PgEventTypes } from './event-types.js';
import { PgMessageWriter } from './message-writer.js';
import { PgMessages } from './messages.js';
import { migrate } from './migrations.js';
import { PgWorkListener } from './work-listener.js';
import { workPayload } from './work-notify.js';

const DEFAULT_POOL_SIZE = 10;

export interface PostgresStoreOptions extends PgConnectionOptions {
  /** Connections in the pool (the LISTEN connection is one more). Default 10. */
  poolSize?: number;
  /**
   * LISTEN for work queued by other processes (default true). A process without a delivery
   * engine (role `api`) has nobody to wake and saves the connection.
   */
  listen?: boolean;
}

/**
 * The `Store` on PostgreSQL, for many API and worker processes sharing one database. Each area
 * of the schema lives in its own class in this folder, mirroring `sqlite/`; this class only
 * routes the interface to them.
 *
 * What differs from SQLite, and why:
 * - Many processes write at once, so what SQLite gets from its single writer comes from the
 *   database here: claims lock with `FOR UPDATE SKIP LOCKED`, eventIds and idempotency keys are
 *   taken with `INSERT ... ON CONFLICT`, migrations run under an advisory lock.
 * - Round trips cost more than statements, so most methods are one statement (data-modifying CTEs
 *   are atomic without BEGIN/COMMIT), and batches travel as arrays (`unnest`).
 * - `onWork` also hears other processes: commits that queue work `NOTIFY hookd_work`, and a
 *   dedicated connection LISTENs (`work-listener.ts`).
 */
export class PostgresStore implements Store {
  private readonly work = new WorkSignal();
  private readonly applications: PgApplications;
  private readonly eventTypes: PgEventTypes;
  private readonly endpoints: PgEndpoints;
  private readonly messages: PgMessages;
  private readonly writer: PgMessageWriter;
  private readonly queue: PgDeliveryQueue;
  private readonly requeue: PgDeliveryRequeue;
  private readonly attempts: PgAttempts;
  private readonly auth: PgAuth;
  private readonly listener: PgWorkListener;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly db: PgDb,
    config: pg.ClientConfig,
    schema: string,
  ) {
    const sender = { instance: randomUUID(), schema };
    const payload = { now: workPayload(sender, 'now'), later: workPayload(sender, 'later') };
    this.applications = new PgApplications(db);
    this.eventTypes = new PgEventTypes(db);
    this.endpoints = new PgEndpoints(db);
    this.messages = new PgMessages(db);
    this.writer = new PgMessageWriter(db, this.work, payload);
    this.queue = new PgDeliveryQueue(db, this.work, payload);
    this.requeue = new PgDeliveryRequeue(db, this.work, payload);
    this.attempts = new PgAttempts(db);
    this.auth = new PgAuth(db);
    const listenConfig = { ...config, application_name: `${config.application_name ?? 'hookd'}:listen` };
    this.listener = new PgWorkListener(listenConfig, sender, this.work);
  }

  /**
   * Connects to `url` (a `postgres://` URL) with a pool of `poolSize` connections, and starts
   * listening for work that other processes queue. With `schema`, every connection uses that
   * schema (created if missing). Does not migrate: call `migrate()` before first use.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const config = connectionConfig(url, options);
    const pool = new pg.Pool({ ...config, max: options.poolSize ?? DEFAULT_POOL_SIZE });
    // An idle connection that the server drops emits 'error' on the pool; unhandled, it would
    // crash the process. The pool discards that connection and opens another on demand.
    pool.on('error', (error) => process.emitWarning(`hookd: idle PostgreSQL connection lost: ${error.message}`));
    try {
      if (options.schema !== undefined) await createSchema(pool, options.schema);
      // The schema the tables live in, however it was chosen (this option, `options` in the URL, the
      // role's default): NOTIFY payloads carry it, so that stores on other schemas ignore them.
      const { rows } = await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      const store = new PostgresStore(new PgDb(pool), config, rows[0].schema ?? '');
      if (options.listen !== false) await store.listener.start();
      return store;
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  async migrate(): Promise<void> {
    await migrate(this.db);
  }

  /** Writes any queued messages first (a caller that got a promise gets its commit), then disconnects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.writer.drain();
      await this.listener.stop();
      await this.db.pool.end();
    })();
    return this.closing;
  }

  // --- applications --------------------------------------------------------------------------
  createApplication(input: ApplicationInput, now: number): Promise<Application> {
    return this.applications.create(input, now);
  }
  getApplication(ref: string): Promise<Application | null> {
    return this.applications.get(ref);
  }
  listApplications(page: PageQuery): Promise<Page<Application>> {
    return this.applications.list(page);
  }
  updateApplication(ref: string, input: ApplicationInput, now: number): Promise<Application> {
    return this.applications.update(ref, input, now);
  }
  deleteApplication(ref: string): Promise<void> {
    return this.applications.delete(ref);
  }

  // --- event types ---------------------------------------------------------------------------
  createEventType(input: EventTypeInput, now: number): Promise<EventType> {
    return this.eventTypes.create(input, now);
  }
  getEventType(name: string): Promise<EventType | null> {
    return this.eventTypes.get(name);
  }
  listEventTypes(page: PageQuery & { includeArchived: boolean }): Promise<Page<EventType>> {
    return this.eventTypes.list(page);
  }
  updateEventType(name: string, input: Omit<EventTypeInput, 'name'>, now: number): Promise<EventType> {
    return this.eventTypes.update(name, input, now);
  }
  deleteEventType(name: string, expunge: boolean, now: number): Promise<void> {
    return this.eventTypes.delete(name, expunge, now);
  }

  // --- endpoints -----------------------------------------------------------------------------
  createEndpoint(appId: string, input: EndpointInput, now: number): Promise<Endpoint> {
    return this.endpoints.create(appId, input, now);
  }
  getEndpoint(appId: string, ref: string): Promise<Endpoint | null> {
    return this.endpoints.get(appId, ref);
  }
  listEndpoints(appId: string, page: PageQuery): Promise<Page<Endpoint>> {
    return this.endpoints.list(appId, page);
  }
  updateEndpoint(appId: string, ref: string, input: Omit<EndpointInput, 'secret'>, now: number): Promise<Endpoint> {
    return this.endpoints.update(appId, ref, input, now);
  }
  deleteEndpoint(appId: string, ref: string): Promise<void> {
    return this.endpoints.delete(appId, ref);
  }
  setEndpointHeaders(appId: string, ref: string, headers: Record<string, string>, now: number): Promise<Endpoint> {
    return this.endpoints.setHeaders(appId, ref, headers, now);
  }
  setEndpointSecrets(appId: string, ref: string, secrets: EndpointSecret[], now: number): Promise<Endpoint> {
    return this.endpoints.setSecrets(appId, ref, secrets, now);
  }
  endpointStats(endpointId: string, range: TimeRange): Promise<Record<DeliveryStatus, number>> {
    return this.endpoints.stats(endpointId, range);
  }

  // --- messages ------------------------------------------------------------------------------
  createMessage(input: MessageInput, now: number): Promise<{ message: Message; created: boolean }> {
    return this.writer.create(input, now);
  }
  getMessage(appId: string, msgId: string): Promise<Message | null> {
    return this.messages.get(appId, msgId);
  }
  listMessages(appId: string, query: MessageQuery): Promise<Page<Message>> {
    return this.messages.list(appId, query);
  }
  expungeMessageContent(appId: string, msgId: string): Promise<void> {
    return this.messages.expungeContent(appId, msgId);
  }

  // --- deliveries: the queue -----------------------------------------------------------------
  claimDeliveries(workerId: string, limit: number, leaseMs: number, now: number): Promise<ClaimedDelivery[]> {
    return this.queue.claim(workerId, limit, leaseMs, now);
  }
  recordOutcomes(workerId: string, outcomes: DeliveryOutcome[], now: number): Promise<void> {
    return this.queue.record(workerId, outcomes, now);
  }
  releaseLeases(workerId: string, now: number): Promise<void> {
    return this.queue.release(workerId, now);
  }
  enqueueResend(appId: string, msgId: string, endpointId: string, now: number): Promise<Delivery> {
    return this.requeue.resend(appId, msgId, endpointId, now);
  }
  recoverFailed(endpointId: string, range: TimeRange, now: number): Promise<number> {
    return this.requeue.recoverFailed(endpointId, range, now);
  }
  replayMissing(endpointId: string, range: TimeRange, now: number): Promise<number> {
    return this.requeue.replayMissing(endpointId, range, now);
  }
  nextDueAt(): Promise<number | null> {
    return this.queue.nextDueAt();
  }
  onWork(listener: (due: WorkDue) => void): () => void {
    return this.work.subscribe(listener);
  }

  /**
   * In role `all`, this process's engine: its share of each new batch skips the claim. Other
   * processes' workers claim the rest after NOTIFY.
   */
  attachLocalWorker(worker: LocalWorker | null): Promise<void> {
    return this.writer.attach(worker);
  }

  // --- attempts ------------------------------------------------------------------------------
  listAttempts(appId: string, query: AttemptQuery): Promise<Page<Attempt>> {
    return this.attempts.list(appId, query);
  }
  getAttempt(appId: string, msgId: string, attemptId: string): Promise<Attempt | null> {
    return this.attempts.get(appId, msgId, attemptId);
  }
  expungeAttemptContent(appId: string, msgId: string, attemptId: string): Promise<void> {
    return this.attempts.expungeContent(appId, msgId, attemptId);
  }
  listEndpointMessages(appId: string, endpointId: string, query: EndpointMessageQuery): Promise<Page<EndpointMessage>> {
    return this.attempts.endpointMessages(appId, endpointId, query);
  }
  listMessageDestinations(appId: string, msgId: string, page: PageQuery): Promise<Page<MessageDestination>> {
    return this.attempts.messageDestinations(appId, msgId, page);
  }

  // --- auth and idempotency ------------------------------------------------------------------
  createToken(token: ApiToken): Promise<void> {
    return this.auth.createToken(token);
  }
  findTokenByHash(hash: string): Promise<ApiToken | null> {
    return this.auth.findTokenByHash(hash);
  }
  getSetting(key: string): Promise<string | null> {
    return this.auth.getSetting(key);
  }
  initSetting(key: string, value: string): Promise<string> {
    return this.auth.initSetting(key, value);
  }
  beginIdempotency(key: string, now: number, expiresAt: number): Promise<IdempotencyState> {
    return this.auth.beginIdempotency(key, now, expiresAt);
  }
  completeIdempotency(key: string, response: StoredResponse, expiresAt: number): Promise<void> {
    return this.auth.completeIdempotency(key, response, expiresAt);
  }
  abandonIdempotency(key: string): Promise<void> {
    return this.auth.abandonIdempotency(key);
  }
}

/** `CREATE SCHEMA IF NOT EXISTS` is not safe against itself: two at once may both try to create. */
async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`); // a safe identifier: see connectionConfig
  } catch (error) {
    const duplicateSchema = (error as { code?: unknown }).code === '42P06';
    if (!duplicateSchema && !isUniqueViolation(error)) throw error;
  }
}
