import { NotFoundError } from '../../core/errors.js';
import type { EventDelivery, InboundRequest } from '../../core/types.js';
import {
  type ConnectionRow,
  type DestinationRow,
  type EventDeliveryRow,
  type RequestRow,
  newEventDeliveryRow,
  newRequestRow,
  toConnection,
  toDestination,
  toEventDelivery,
  toInboundRequest,
} from '../inbound-rows.js';
import type {
  ClaimedEvent,
  DedupKey,
  EventQuery,
  EventRoute,
  InboundStore,
  LocalWorker,
  Received,
  RequestInput,
  TimeRange,
} from '../store.js';
import { pendingDue, type WorkSignal } from '../work-signal.js';
import { atLimit, DEFAULT_FAIR_LIMITS, type FairLimits, type LiveLeases, mayHandOff } from '../fair-share.js';
import { readLiveLeases } from './fair-claim.js';
import { RequestFeed, type StoredRequestNote } from '../request-feed.js';
import { retryEventSql, retryEventsSql } from '../crud/event-retries.js';
import type { SqlExecutor } from '../crud/sql.js';
import { isConstraintError, isForeignKeyViolation, type SqliteDb } from './database.js';
import { TurnBatches } from './turn-batches.js';
import { TargetHolds } from './target-holds.js';

const INSERT_REQUEST = `INSERT INTO requests (id, source_id, method, path, headers, body, body_size, status, cause,
    detail, received_at)
  VALUES (@id, @source_id, @method, @path, @headers, @body, @body_size, @status, @cause, @detail, @received_at)`;
const INSERT_EVENT = `INSERT INTO deliveries (id, kind, request_id, connection_id, destination_id, status, trigger,
    attempt_count, next_attempt_at, lease_owner, lease_until, created_at, updated_at)
  VALUES (@id, @kind, @request_id, @connection_id, @destination_id, @status, @trigger, @attempt_count,
    @next_attempt_at, @lease_owner, @lease_until, @created_at, @updated_at)`;
const SELECT_KEY = 'SELECT request_id, expires_at FROM request_keys WHERE source_id = ? AND key = ?';
const UPSERT_KEY = `INSERT INTO request_keys (source_id, key, request_id, expires_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (source_id, key) DO UPDATE SET request_id = excluded.request_id, expires_at = excluded.expires_at`;

/** What one transaction wrote: the events, and those of them leased to the local worker. */
interface Written {
  rows: EventDeliveryRow[];
  handed: ClaimedEvent[];
  /** Events left pending because their destination was at its limit of live leases (fair-share.ts). */
  held: number;
  /** Events created due later: their destination may not be sent to before a stored time (`TargetHolds`). */
  later: number;
}

/** What `receive` wrote. */
type ReceivedRows = Omit<Received, 'events'> & Written;

/**
 * The live leases per destination in one transaction: read (at `now`, the transaction's first
 * request's time) at the first event that could be handed over, then counted on by `mayHandOff`.
 */
interface LeaseTally {
  live: LiveLeases | null;
  now: number;
  /** The destinations held until a stored time, read once each per transaction. */
  holds: TargetHolds;
}

/** A `receive` call waiting for the next group commit. */
interface QueuedReceive {
  input: RequestInput;
  routes: readonly EventRoute[];
  dedup: DedupKey | null;
  now: number;
  resolve: (rows: ReceivedRows) => void;
  reject: (error: unknown) => void;
}

/** What one group commit wrote: each call's rows, and all of them together for the hand-off. */
interface WrittenBatch extends Written {
  each: ReceivedRows[];
}

/** At most this many requests per transaction, as `SqliteMessageWriter` bounds its batches. */
const MAX_BATCH_REQUESTS = 1_000;

/**
 * Received requests and their events, handed to the local worker as a message's deliveries are.
 * Requests are group-committed as `SqliteMessageWriter` commits messages: the `receive` calls of
 * one event-loop turn are written in one transaction on the next `setImmediate`, in call order
 * (so a dedup key taken by one is seen by the next), and each call resolves after that commit.
 * One commit per request cost more than the rest of the receive path (profiled with
 * `npm run bench`). A batch that fails is written again one request per transaction, so that a
 * request's error (an unknown destination) fails that request alone.
 */
export class SqliteInbound implements InboundStore {
  private worker: LocalWorker | null = null;
  private readonly replayTx: (
    requestId: string,
    routes: readonly EventRoute[],
    now: number,
    room: number,
    holds: TargetHolds,
  ) => Written;
  private readonly batchTx: (batch: readonly QueuedReceive[], room: number, holds: TargetHolds) => WrittenBatch;
  private readonly batches: TurnBatches<QueuedReceive>;

  constructor(
    private readonly db: SqliteDb,
    private readonly executor: SqlExecutor,
    private readonly work: WorkSignal,
    /** The limits on live leases per target (when it sets none) and per application (store/fair-share.ts). */
    private readonly limits: FairLimits = DEFAULT_FAIR_LIMITS,
    private readonly feed = new RequestFeed(),
  ) {
    this.batches = new TurnBatches(MAX_BATCH_REQUESTS, (batch) => this.flushBatch(batch), db.hold);
    this.batchTx = db.transaction((batch: readonly QueuedReceive[], room: number, holds: TargetHolds): WrittenBatch => {
      const written: WrittenBatch = { each: [], rows: [], handed: [], held: 0, later: 0 };
      // The live leases are read once per transaction, at its first hand-off, and counted on as it
      // hands off (as the message writer does): a read per request walked every live lease again.
      const leases: LeaseTally = { live: null, now: batch[0].now, holds };
      for (const { input, routes, dedup, now } of batch) {
        const one = this.receiveInTransaction(input, routes, dedup, now, room - written.handed.length, leases);
        written.each.push(one);
        written.rows.push(...one.rows);
        written.handed.push(...one.handed);
        written.held += one.held;
        written.later += one.later;
      }
      return written;
    });
    this.replayTx = db.transaction(
      (requestId: string, routes: readonly EventRoute[], now: number, room: number, holds: TargetHolds) => {
        const row = this.db.get<RequestRow>('SELECT * FROM requests WHERE id = ?', requestId);
        if (!row) throw new NotFoundError('request');
        return this.insertEvents(toInboundRequest(row), routes, now, room, 1, { live: null, now, holds });
      },
    );
  }

  attach(worker: LocalWorker | null): void {
    this.worker = worker;
  }

  async receive(
    input: RequestInput,
    routes: readonly EventRoute[],
    dedup: DedupKey | null,
    now: number,
  ): Promise<Received> {
    const { request, rows, duplicateOf } = await new Promise<ReceivedRows>((resolve, reject) =>
      this.batches.push({ input, routes, dedup, now, resolve, reject }),
    );
    return { request, events: rows.map(toEventDelivery), ...(duplicateOf ? { duplicateOf } : {}) };
  }

  /** Writes everything queued now (`close()` calls it so that no received request is dropped). */
  drain(): void {
    this.batches.drain();
  }

  private flushBatch(batch: QueuedReceive[]): void {
    const wanted = batch.reduce((sum, item) => sum + item.routes.length, 0);
    let each: ReceivedRows[];
    try {
      each = this.handOff(wanted, batch[0].now, (room, holds) => this.batchTx(batch, room, holds)).each;
    } catch (error) {
      // Only an error one request can cause alone is worth a retry one by one (as the message writer).
      if (batch.length === 1 || !(isConstraintError(error) || error instanceof NotFoundError)) {
        for (const item of batch) item.reject(error);
        return;
      }
      // Nothing of the batch was written: each request again in its own transaction, failing alone.
      for (const item of batch) this.receiveAlone(item);
      return;
    }
    for (const [i, item] of batch.entries()) this.settle(item, each[i]);
  }

  private receiveAlone(item: QueuedReceive): void {
    let written: ReceivedRows;
    try {
      written = this.handOff(item.routes.length, item.now, (room, holds) => this.batchTx([item], room, holds)).each[0];
    } catch (error) {
      item.reject(error);
      return;
    }
    this.settle(item, written);
  }

  private settle(item: QueuedReceive, written: ReceivedRows): void {
    const { request } = written;
    if (request.sourceId !== null) this.feed.emit({ sourceId: request.sourceId, requestId: request.id });
    item.resolve(written);
  }

  async replay(requestId: string, routes: readonly EventRoute[], now: number): Promise<EventDelivery[]> {
    return this.handOff(routes.length, now, (room, holds) =>
      this.replayTx(requestId, routes, now, room, holds),
    ).rows.map(toEventDelivery);
  }

  onRequest(listener: (note: StoredRequestNote) => void): () => void {
    return this.feed.subscribe(listener);
  }

  async retryEvent(eventId: string, now: number): Promise<EventDelivery> {
    const event = await retryEventSql(this.executor, eventId, now);
    this.work.emit('now');
    return event;
  }

  async retryEvents(query: EventQuery & TimeRange, now: number): Promise<number> {
    const count = await retryEventsSql(this.executor, query, now);
    if (count > 0) this.work.emit('now');
    return count;
  }

  /**
   * Runs a write of up to `wanted` events with room reserved at the local worker; after the
   * commit hands over what was leased, gives back the rest of the room, and wakes a claim for the
   * events left pending (and the timer for those held until their destination's probe or pause).
   */
  private handOff<T extends Written>(wanted: number, now: number, write: (room: number, holds: TargetHolds) => T): T {
    const worker = this.worker;
    const room = worker === null ? 0 : worker.reserve(wanted);
    const holds = new TargetHolds(this.db, now);
    let written: T;
    try {
      written = write(room, holds);
    } catch (error) {
      worker?.unreserve(room);
      throw error;
    }
    if (worker !== null) {
      worker.unreserve(room - written.handed.length);
      if (written.handed.length > 0) worker.take(written.handed);
    }
    holds.announce(this.work);
    this.work.emit(
      pendingDue({ pending: written.rows.length - written.handed.length - written.later, held: written.held }),
    );
    return written;
  }

  private receiveInTransaction(
    input: RequestInput,
    routes: readonly EventRoute[],
    dedup: DedupKey | null,
    now: number,
    room: number,
    leases: LeaseTally,
  ): ReceivedRows {
    const row = newRequestRow(input, now);
    let duplicateOf: string | undefined;
    if (dedup !== null && input.sourceId != null && row.status === 'accepted') {
      const seen = this.db.get<{ request_id: string; expires_at: number }>(SELECT_KEY, input.sourceId, dedup.key);
      if (seen && seen.expires_at > now) {
        duplicateOf = seen.request_id;
        Object.assign(row, { status: 'rejected', cause: 'duplicate', detail: `a duplicate of ${seen.request_id}` });
      } else {
        this.db.run(UPSERT_KEY, input.sourceId, dedup.key, row.id, dedup.expiresAt);
      }
    }
    this.db.run(INSERT_REQUEST, row);
    const request = toInboundRequest({ ...row, headers: input.headers.map(([n, v]) => [n, v]) });
    const written =
      row.status === 'accepted'
        ? this.insertEvents(request, routes, now, room, 0, leases)
        : { rows: [], handed: [], held: 0, later: 0 };
    return { request, ...written, ...(duplicateOf ? { duplicateOf } : {}) };
  }

  /** One event per route, the first `room` of them leased to the local worker; a replay's trigger is Manual (1). */
  private readTargets(route: EventRoute): NonNullable<EventRoute['targets']> {
    const destination = this.db.get<DestinationRow>('SELECT * FROM destinations WHERE id = ?', route.destinationId);
    if (!destination) throw new NotFoundError('destination');
    const connection =
      route.connectionId === null
        ? undefined
        : this.db.get<ConnectionRow>('SELECT * FROM connections WHERE id = ?', route.connectionId);
    return { destination: toDestination(destination), connection: connection ? toConnection(connection) : null };
  }

  private insertEvents(
    request: InboundRequest,
    routes: readonly EventRoute[],
    now: number,
    room: number,
    trigger: 0 | 1,
    leases: LeaseTally,
  ): Written {
    const rows: EventDeliveryRow[] = [];
    const handed: ClaimedEvent[] = [];
    let held = 0;
    let later = 0;
    const live = () => {
      leases.live ??= readLiveLeases(this.db, leases.now, this.limits).live;
      return leases.live;
    };
    const mayTake = (destinationId: string) => mayHandOff(live(), destinationId, this.limits.endpoint, null, false);
    for (const route of routes) {
      // As PostgreSQL does: routes that carry their targets (the ingest's cache) are not read again;
      // a destination deleted since is refused by the foreign key all the same.
      const targets = route.targets ?? this.readTargets(route);
      const row = { ...newEventDeliveryRow(request.id, route, now, targets.destination.kind), trigger };
      // A CLI destination's event waits for its `hookd listen` session: never handed to the engine.
      const heldUntil = row.kind === 'event' ? leases.holds.until(row.destination_id) : null;
      if (heldUntil !== null) {
        row.next_attempt_at = heldUntil;
        later++;
      } else if (row.kind === 'event' && this.worker !== null) {
        if (handed.length < room && mayTake(row.destination_id)) {
          const worker = this.worker;
          Object.assign(row, { status: 'sending', lease_owner: worker.workerId, lease_until: now + worker.leaseMs });
          handed.push({ kind: 'event', delivery: toEventDelivery(row), request, ...targets });
        } else if (atLimit(live(), row.destination_id, this.limits.endpoint, null)) {
          held++; // no claim could take it either, whatever the worker's room
        }
      }
      try {
        this.db.run(INSERT_EVENT, row);
      } catch (error) {
        throw isForeignKeyViolation(error) ? new NotFoundError('destination') : error;
      }
      rows.push(row);
    }
    return { rows, handed, held, later };
  }
}
