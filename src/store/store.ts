import type { ApplicationStore } from './ports/applications.js';
import type { AttemptStore } from './ports/attempts.js';
import type { AuthStore } from './ports/auth.js';
import type { EndpointStore } from './ports/endpoints.js';
import type { EventTypeStore } from './ports/event-types.js';
import type { InboundStore, RequestStore } from './ports/inbound.js';
import type { ListenStore } from './ports/listen.js';
import type { MessageStore } from './ports/messages.js';
import type { StoreMonitor } from './ports/monitor.js';
import type { RateLimitCounters } from './ports/rate-limits.js';
import type { DeliveryQueue } from './ports/queue.js';
import type { DeliveryRequeue } from './ports/requeue.js';
import type { RetentionStore } from './ports/retention.js';
import type { SecretColumnStore } from './ports/secret-columns.js';
import type { ConnectionStore, DestinationStore, SourceStore } from './ports/sources.js';
import type { StatsStore } from './ports/stats.js';
import type { TargetHealthStore } from './ports/target-health.js';

export type * from './ports/applications.js';
export type * from './ports/attempts.js';
export type * from './ports/auth.js';
export type * from './ports/common.js';
export type * from './ports/endpoints.js';
export type * from './ports/event-types.js';
export type * from './ports/inbound.js';
export type * from './ports/listen.js';
export type * from './ports/messages.js';
export type * from './ports/monitor.js';
export type * from './ports/rate-limits.js';
export type * from './ports/queue.js';
export type * from './ports/requeue.js';
export type * from './ports/retention.js';
export type * from './ports/secret-columns.js';
export type * from './ports/sources.js';
export type * from './ports/stats.js';
export type * from './ports/target-health.js';
export type { TriggerType } from '../core/types.js';
export type { StoredRequestNote } from './request-feed.js';

/**
 * hookd's database, as a set of small ports (`ports/`), one per concern. A consumer takes the
 * ports it uses (the delivery engine only the `queue`). The CRUD ports are written once for both
 * backends (`crud/`, over each backend's executor); the hot path (writers, queue, requeue, inbound,
 * idempotency) is written per backend (`sqlite/`, `postgres/`); each backend's store class only
 * opens the database and builds the ports. `store.suite.ts` is the conformance suite both backends
 * pass, one part per port.
 *
 * Conventions of every port:
 * - Every method is async, even on SQLite, so that both backends share callers.
 * - Methods that take an application's or endpoint's "ref" accept its id or its uid.
 * - "Not found" is `null` from getters and `NotFoundError` from mutators; a uid or eventId that is
 *   taken is `ConflictError`. Nothing else is thrown for expected conditions.
 * - `now` (epoch ms) is passed in where the result depends on the clock, so tests control time.
 */
export interface Store {
  readonly applications: ApplicationStore;
  readonly eventTypes: EventTypeStore;
  readonly endpoints: EndpointStore;
  readonly messages: MessageStore;
  readonly queue: DeliveryQueue;
  readonly requeue: DeliveryRequeue;
  readonly attempts: AttemptStore;
  readonly auth: AuthStore;
  readonly sources: SourceStore;
  readonly destinations: DestinationStore;
  readonly connections: ConnectionStore;
  readonly inbound: InboundStore;
  readonly requests: RequestStore;
  /** What retention prunes and deletes, in small batches. */
  readonly retention: RetentionStore;
  /** The stored secrets as a whole: sealing and re-sealing them under the master key. */
  readonly secretColumns: SecretColumnStore;
  /** The queue of CLI destinations, which `hookd listen` sessions take (the engine never does). */
  readonly listen: ListenStore;
  /** Health checks and queue figures for `/readyz` and `/metrics`. */
  readonly monitor: StoreMonitor;
  /** The API's rate-limit counters, shared by every API process. */
  readonly rateLimits: RateLimitCounters;
  readonly stats: StatsStore;
  /** Rate budgets, slow-downs, circuits and failure clocks of endpoints and destinations, shared by every worker. */
  readonly health: TargetHealthStore;
  /** Runs forward-only migrations. Safe to call on every start. */
  migrate(): Promise<void>;
  /** Writes what is queued for a group commit, then closes the database. */
  close(): Promise<void>;
}
