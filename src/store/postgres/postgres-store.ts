import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { createLogger } from '../../log/create-logger.js';
import type { Store } from '../store.js';
import { WorkSignal } from '../work-signal.js';
import { SqlApplications } from '../crud/applications.js';
import { SqlAttempts } from '../crud/attempts.js';
import { SqlStats } from '../crud/stats.js';
import { SqlTargetHealth } from '../crud/target-health.js';
import { SqlConnections } from '../crud/connections.js';
import { SqlDestinations } from '../crud/destinations.js';
import { SqlListenSessions } from '../crud/listen-sessions.js';
import { SqlEndpoints } from '../crud/endpoints.js';
import { SqlEventTypes } from '../crud/event-types.js';
import { SqlMessages } from '../crud/messages.js';
import { SqlMonitor } from '../crud/monitor.js';
import { PgRateLimitCounters } from './rate-limit-counters.js';
import { SqlRequests } from '../crud/requests.js';
import { SqlRetention } from '../crud/retention.js';
import { SqlSecretColumns } from '../crud/secret-columns.js';
import { SqlSources } from '../crud/sources.js';
import { PgAuth } from './auth.js';
import { connectionConfig, isUniqueViolation, PgDb, type PgConnectionOptions } from './database.js';
import { PgDeliveryQueue } from './delivery-queue.js';
import { PgDeliveryRequeue } from './delivery-requeue.js';
import { RequestFeed } from '../request-feed.js';
import { RequestFeedPublisher } from './request-feed-publisher.js';
import { PgInbound } from './inbound.js';
import { PgMessageWriter } from './message-writer.js';
import { migrate } from './migrations.js';
import { postgresExecutor } from './postgres-executor.js';
import { PgWorkListener } from './work-listener.js';
import { WORK_CHANNEL, workPayload } from './work-notify.js';
import { ClaimGate } from './fair-claim.js';
import { DEFAULT_FAIR_LIMITS, type FairLimits } from '../fair-share.js';

const DEFAULT_POOL_SIZE = 10;

export interface PostgresStoreOptions extends PgConnectionOptions {
  /** Connections in the pool (the LISTEN connection is one more). Default 10. */
  poolSize?: number;
  /**
   * LISTEN for work queued by other processes (default true). A process without a delivery
   * engine (role `api`) has nobody to wake and saves the connection.
   */
  listen?: boolean;
  /** Where lost connections are reported. Default: `createLogger()` (info, stdout). */
  logger?: Logger;
  /**
   * The limits on live leases per endpoint (destination) when it sets none, and per application.
   * Default: 16 and 64 (store/fair-share.ts).
   */
  fairLimits?: FairLimits;
}

/**
 * The `Store` on PostgreSQL, for many API and worker processes sharing one database. The hot path
 * (message writer, queue, requeue) and idempotency keys are this folder's own classes, mirroring
 * `sqlite/`; the CRUD ports are written once for both backends (`../crud/`) and run here through
 * `postgresExecutor`. This class opens the pool and builds them.
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
  readonly applications: SqlApplications;
  readonly eventTypes: SqlEventTypes;
  readonly endpoints: SqlEndpoints;
  readonly messages: SqlMessages;
  readonly queue: PgDeliveryQueue;
  readonly requeue: PgDeliveryRequeue;
  readonly attempts: SqlAttempts;
  readonly stats: SqlStats;
  readonly health: SqlTargetHealth;
  readonly auth: PgAuth;
  readonly sources: SqlSources;
  readonly destinations: SqlDestinations;
  readonly connections: SqlConnections;
  readonly listen: SqlListenSessions;
  readonly inbound: PgInbound;
  readonly requests: SqlRequests;
  readonly retention: SqlRetention;
  readonly secretColumns: SqlSecretColumns;
  readonly monitor: SqlMonitor;
  readonly rateLimits: PgRateLimitCounters;
  private readonly writer: PgMessageWriter;
  private readonly listener: PgWorkListener;
  private readonly publisher: RequestFeedPublisher;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly db: PgDb,
    config: pg.ClientConfig,
    schema: string,
    log: Logger,
    limits: FairLimits = DEFAULT_FAIR_LIMITS,
  ) {
    const work = new WorkSignal(log);
    const sender = { instance: randomUUID(), schema };
    const payload = {
      now: workPayload(sender, 'now'),
      later: workPayload(sender, 'later'),
      held: workPayload(sender, 'held'),
    };
    const gate = new ClaimGate();
    this.writer = new PgMessageWriter(db, work, payload, gate, limits);
    const crud = postgresExecutor(db);
    this.applications = new SqlApplications(crud);
    this.eventTypes = new SqlEventTypes(crud);
    this.endpoints = new SqlEndpoints(crud);
    this.messages = new SqlMessages(crud, this.writer);
    this.sources = new SqlSources(crud);
    this.destinations = new SqlDestinations(crud);
    this.connections = new SqlConnections(crud);
    this.listen = new SqlListenSessions(crud);
    const feed = new RequestFeed();
    this.publisher = new RequestFeedPublisher(db, sender, log);
    this.inbound = new PgInbound(db, crud, work, payload, feed, this.publisher, gate, limits);
    this.requests = new SqlRequests(crud);
    this.retention = new SqlRetention(crud);
    this.secretColumns = new SqlSecretColumns(crud);
    this.monitor = new SqlMonitor(crud);
    this.rateLimits = new PgRateLimitCounters(db);
    this.queue = new PgDeliveryQueue(db, work, payload, [this.writer, this.inbound], gate, limits);
    this.requeue = new PgDeliveryRequeue(db, crud, work, payload);
    this.attempts = new SqlAttempts(crud);
    this.stats = new SqlStats(crud);
    this.health = new SqlTargetHealth(crud, async () => {
      // This process's claims at once; the other processes' by NOTIFY.
      work.emit('now');
      await db.run(`SELECT pg_notify('${WORK_CHANNEL}', $1)`, [payload.now]);
    });
    this.auth = new PgAuth(db);
    const listenConfig = { ...config, application_name: `${config.application_name ?? 'hookd'}:listen` };
    this.listener = new PgWorkListener(listenConfig, sender, work, log, feed);
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
    const log = options.logger ?? createLogger();
    pool.on('error', (error) => log.warn({ err: error.message }, 'an idle PostgreSQL connection was lost'));
    try {
      if (options.schema !== undefined) await createSchema(pool, options.schema);
      // The schema the tables live in, however it was chosen (this option, `options` in the URL, the
      // role's default): NOTIFY payloads carry it, so that stores on other schemas ignore them.
      const { rows } = await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      const store = new PostgresStore(new PgDb(pool), config, rows[0].schema ?? '', log, options.fairLimits);
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
      await this.inbound.drain();
      await this.publisher.flush();
      await this.listener.stop();
      await this.db.pool.end();
    })();
    return this.closing;
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
