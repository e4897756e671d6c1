import type { Store } from '../store.js';
import type { Logger } from 'pino';
import { WorkSignal } from '../work-signal.js';
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
 * The `Store` on one embedded SQLite database (better-sqlite3, WAL). Each port is implemented by
 * its own class in this folder; this class opens the database and builds them.
 *
 * better-sqlite3 is synchronous: every method runs to completion on the event loop, so a single
 * process needs no locks of its own. Write transactions use BEGIN IMMEDIATE (see `SqliteDb`), so
 * several processes can share the file. `messages.create` is the one method that waits: it joins
 * the next group commit.
 */
export class SqliteStore implements Store {
  readonly applications: SqliteApplications;
  readonly eventTypes: SqliteEventTypes;
  readonly endpoints: SqliteEndpoints;
  readonly messages: SqliteMessages;
  readonly queue: SqliteDeliveryQueue;
  readonly requeue: SqliteDeliveryRequeue;
  readonly attempts: SqliteAttempts;
  readonly auth: SqliteAuth;
  private readonly writer: SqliteMessageWriter;

  private constructor(private readonly db: SqliteDb, logger?: Logger) {
    const work = new WorkSignal(logger);
    this.writer = new SqliteMessageWriter(db, work);
    this.applications = new SqliteApplications(db);
    this.eventTypes = new SqliteEventTypes(db);
    this.endpoints = new SqliteEndpoints(db);
    this.messages = new SqliteMessages(db, this.writer);
    this.queue = new SqliteDeliveryQueue(db, work, this.writer);
    this.requeue = new SqliteDeliveryRequeue(db, work);
    this.attempts = new SqliteAttempts(db);
    this.auth = new SqliteAuth(db);
  }

  /**
   * Opens (creating it and its directory if needed) the database at `path`, or an in-memory one
   * for `':memory:'`. Does not migrate: call `migrate()` before first use.
   */
  static open(path: string, options: { logger?: Logger } = {}): SqliteStore {
    return new SqliteStore(SqliteDb.open(path), options.logger);
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
}
