import type { Store } from '../store.js';
import type { Logger } from 'pino';
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
import { MemoryRateLimitCounters } from './rate-limit-counters.js';
import { SqlRequests } from '../crud/requests.js';
import { SqlRetention } from '../crud/retention.js';
import { SqlSources } from '../crud/sources.js';
import { SqliteAuth } from './auth.js';
import { CheckpointThread, type CheckpointSettings } from './checkpoint-thread.js';
import { isFileDatabase, SqliteDb } from './database.js';
import { SqliteDeliveryQueue } from './delivery-queue.js';
import { SqliteDeliveryRequeue } from './delivery-requeue.js';
import { SqliteInbound } from './inbound.js';
import { SqliteMessageWriter } from './message-writer.js';
import { migrate } from './migrations.js';
import { SqliteSecretColumns } from './secret-columns.js';
import { sqliteExecutor } from './sqlite-executor.js';
import { DEFAULT_FAIR_LIMITS, type FairLimits } from '../fair-share.js';

export interface SqliteStoreOptions {
  /** Where a throwing work listener is reported. */
  logger?: Logger;
  /**
   * The limits on live leases per endpoint (destination) when it sets none, and per application.
   * Default: 16 and 64 (store/fair-share.ts).
   */
  fairLimits?: FairLimits;
  /**
   * Run the WAL checkpoints on a thread of their own with these settings (checkpoint-thread.ts;
   * `openBackend` passes the defaults). Without them, SQLite checkpoints inside the main thread's
   * commits. Ignored for `:memory:`, `''` and `file:` URIs.
   */
  checkpointThread?: CheckpointSettings;
}

/**
 * The `Store` on one embedded SQLite database (better-sqlite3, WAL). The hot path (message writer,
 * queue, requeue) and idempotency keys are this folder's own classes; the CRUD ports are written
 * once for both backends (`../crud/`) and run here through `sqliteExecutor`. This class opens the
 * database and builds them.
 *
 * better-sqlite3 is synchronous: every method runs to completion on the event loop, so a single
 * process needs no locks of its own. Write transactions use BEGIN IMMEDIATE (see `SqliteDb`), so
 * several processes can share the file. `messages.create` is the one method that waits: it joins
 * the next group commit.
 */
export class SqliteStore implements Store {
  readonly applications: SqlApplications;
  readonly eventTypes: SqlEventTypes;
  readonly endpoints: SqlEndpoints;
  readonly messages: SqlMessages;
  readonly queue: SqliteDeliveryQueue;
  readonly requeue: SqliteDeliveryRequeue;
  readonly attempts: SqlAttempts;
  readonly stats: SqlStats;
  readonly health: SqlTargetHealth;
  readonly auth: SqliteAuth;
  readonly sources: SqlSources;
  readonly destinations: SqlDestinations;
  readonly connections: SqlConnections;
  readonly listen: SqlListenSessions;
  readonly inbound: SqliteInbound;
  readonly requests: SqlRequests;
  readonly retention: SqlRetention;
  readonly secretColumns: SqliteSecretColumns;
  readonly monitor: SqlMonitor;
  readonly rateLimits: MemoryRateLimitCounters;
  private readonly writer: SqliteMessageWriter;
  /** The WAL checkpoints' thread, when the options ask for one. */
  readonly checkpoints: CheckpointThread | null;

  private constructor(
    private readonly db: SqliteDb,
    path: string,
    { logger, fairLimits = DEFAULT_FAIR_LIMITS, checkpointThread }: SqliteStoreOptions,
  ) {
    this.checkpoints =
      checkpointThread && isFileDatabase(path) ? new CheckpointThread(db, path, checkpointThread, logger) : null;
    const work = new WorkSignal(logger);
    this.writer = new SqliteMessageWriter(db, work, fairLimits);
    const crud = sqliteExecutor(db);
    this.applications = new SqlApplications(crud);
    this.eventTypes = new SqlEventTypes(crud);
    this.endpoints = new SqlEndpoints(crud);
    this.messages = new SqlMessages(crud, this.writer);
    this.sources = new SqlSources(crud);
    this.destinations = new SqlDestinations(crud);
    this.connections = new SqlConnections(crud);
    this.listen = new SqlListenSessions(crud);
    this.inbound = new SqliteInbound(db, crud, work, fairLimits);
    this.requests = new SqlRequests(crud);
    this.retention = new SqlRetention(crud);
    this.secretColumns = new SqliteSecretColumns(crud, db);
    this.monitor = new SqlMonitor(crud);
    this.rateLimits = new MemoryRateLimitCounters();
    this.queue = new SqliteDeliveryQueue(db, work, [this.writer, this.inbound], fairLimits);
    this.requeue = new SqliteDeliveryRequeue(db, crud, work);
    this.attempts = new SqlAttempts(crud);
    this.stats = new SqlStats(crud);
    this.health = new SqlTargetHealth(crud, () => work.emit('now'));
    this.auth = new SqliteAuth(db);
  }

  /**
   * Opens (creating it and its directory if needed) the database at `path`, or an in-memory one
   * for `':memory:'`. Does not migrate: call `migrate()` before first use.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(SqliteDb.open(path), path, options);
  }

  async migrate(): Promise<void> {
    migrate(this.db.raw);
  }

  /**
   * Writes any queued messages first: a caller that got a promise gets its commit. The checkpoint
   * thread stops before that, so that nothing can queue between the last drain and the close.
   */
  async close(): Promise<void> {
    if (!this.db.raw.open) return;
    await this.checkpoints?.stop();
    this.writer.drain();
    this.inbound.drain();
    this.db.close();
  }
}
