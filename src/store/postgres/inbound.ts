import { NotFoundError } from '../../core/errors.js';
import type { Connection, Destination, EventDelivery, InboundRequest } from '../../core/types.js';
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
import { retryEventSql, retryEventsSql } from '../crud/event-retries.js';
import type { SqlExecutor } from '../crud/sql.js';
import type {
  DedupKey,
  EventQuery,
  EventRoute,
  InboundStore,
  LocalWorker,
  Received,
  RequestInput,
  TimeRange,
} from '../store.js';
import type { WorkSignal } from '../work-signal.js';
import type { RequestFeed, StoredRequestNote } from '../request-feed.js';
import type { RequestFeedPublisher } from './request-feed-publisher.js';
import { isForeignKeyViolation, type PgDb } from './database.js';
import { notifyIfAny, WORK_CHANNEL, type WorkPayloads } from './work-notify.js';

/*
 * A request and its events in one statement, its own transaction. The dedup key is taken by an
 * upsert that keeps a live key's row as it is (its window has not ended) and takes over an expired
 * one; either way it returns the row, locked and current even when a concurrent request inserted
 * it after this statement's snapshot: another request's id there makes this one a duplicate. The
 * request is stored (rejected as a duplicate, or with the verdict given), then its events, for an
 * accepted request only. Events handed to the local worker are inserted already leased to it;
 * NOTIFY goes out with the commit when any was left pending for a claim.
 */
const RECEIVE = `WITH taken_key AS (
    INSERT INTO request_keys (source_id, key, request_id, expires_at)
    SELECT $2, $14, $1, $15 WHERE $14::text IS NOT NULL
    ON CONFLICT (source_id, key) DO UPDATE SET
      request_id = CASE WHEN request_keys.expires_at <= $11 THEN excluded.request_id ELSE request_keys.request_id END,
      expires_at = CASE WHEN request_keys.expires_at <= $11 THEN excluded.expires_at ELSE request_keys.expires_at END
    RETURNING request_id
  ),
  verdict AS (
    SELECT (SELECT request_id FROM taken_key WHERE request_id <> $1) AS duplicate_of
  ),
  new_request AS (
    INSERT INTO requests (id, source_id, method, path, headers, body, body_size, status, cause, detail, received_at)
    SELECT $1, $2, $3, $4, $5::json, $6, $7,
      CASE WHEN v.duplicate_of IS NULL THEN $8 ELSE 'rejected' END,
      CASE WHEN v.duplicate_of IS NULL THEN $9 ELSE 'duplicate' END,
      CASE WHEN v.duplicate_of IS NULL THEN $10 ELSE 'a duplicate of ' || v.duplicate_of END,
      $11
    FROM verdict v
    RETURNING id, status
  ),
  new_events AS (
    INSERT INTO deliveries (id, kind, request_id, connection_id, destination_id, status, trigger, attempt_count,
      next_attempt_at, lease_owner, lease_until, created_at, updated_at)
    SELECT x.id, 'event', r.id, x.connection_id, x.destination_id, x.status, 0, 0, $11, x.lease_owner, x.lease_until,
      $11, $11
    FROM new_request r,
      unnest($12::text[], $13::text[], $16::text[], $17::text[], $18::text[], $19::bigint[])
        AS x(id, connection_id, destination_id, status, lease_owner, lease_until)
    WHERE r.status = 'accepted'
    RETURNING status
  ),
  new_pending AS (SELECT 1 FROM new_events WHERE status = 'pending')
SELECT (SELECT duplicate_of FROM verdict) AS duplicate_of, (SELECT count(*) FROM new_events)::int AS events,
  ${notifyIfAny('new_pending', '$20')} AS notified`;

/** New events of a stored request (a replay), as RECEIVE inserts them. */
const REPLAY = `WITH new_events AS (
    INSERT INTO deliveries (id, kind, request_id, connection_id, destination_id, status, trigger, attempt_count,
      next_attempt_at, lease_owner, lease_until, created_at, updated_at)
    SELECT x.id, 'event', $1, x.connection_id, x.destination_id, x.status, 1, 0, $2, x.lease_owner, x.lease_until,
      $2, $2
    FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
      AS x(id, connection_id, destination_id, status, lease_owner, lease_until)
    RETURNING status
  ),
  new_pending AS (SELECT 1 FROM new_events WHERE status = 'pending')
SELECT ${notifyIfAny('new_pending', '$9')} AS notified`;

/** The targets of a batch of routes, read before the write (for the hand-off and to refuse an unknown one). */
interface Targets {
  destinations: Map<string, Destination>;
  connections: Map<string, Connection>;
}

/**
 * Received requests and their events, as on SQLite (`SqliteInbound`): a request is one statement
 * (two round trips: the routes' destinations and connections are read first).
 */
export class PgInbound implements InboundStore {
  private worker: LocalWorker | null = null;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly db: PgDb,
    private readonly executor: SqlExecutor,
    private readonly work: WorkSignal,
    private readonly notifyPayload: WorkPayloads,
    /** This store's own feed (the listener adds other processes' requests to it). */
    private readonly feed: RequestFeed,
    /** Tells the other processes (NOTIFY, batched). */
    private readonly publisher: RequestFeedPublisher,
  ) {}

  onRequest(listener: (note: StoredRequestNote) => void): () => void {
    return this.feed.subscribe(listener);
  }

  /** Resolves when no request under way still owes the previous worker a hand-off. */
  async attach(worker: LocalWorker | null): Promise<void> {
    this.worker = worker;
    await Promise.allSettled([...this.running]);
  }

  receive(input: RequestInput, routes: readonly EventRoute[], dedup: DedupKey | null, now: number): Promise<Received> {
    return this.track(this.write(input, routes, dedup, now));
  }

  replay(requestId: string, routes: readonly EventRoute[], now: number): Promise<EventDelivery[]> {
    return this.track(this.writeReplay(requestId, routes, now));
  }

  async retryEvent(eventId: string, now: number): Promise<EventDelivery> {
    const event = await retryEventSql(this.executor, eventId, now);
    await this.announce(1);
    return event;
  }

  async retryEvents(query: EventQuery & TimeRange, now: number): Promise<number> {
    const count = await retryEventsSql(this.executor, query, now);
    await this.announce(count);
    return count;
  }

  /** Wakes this process's claims and, by NOTIFY, the other processes'. */
  private async announce(count: number): Promise<void> {
    if (count === 0) return;
    this.work.emit('now');
    await this.db.run(`SELECT pg_notify('${WORK_CHANNEL}', $1)`, [this.notifyPayload.now]);
  }

  private track<T>(written: Promise<T>): Promise<T> {
    this.running.add(written);
    void written.finally(() => this.running.delete(written)).catch(() => {});
    return written;
  }

  private async write(
    input: RequestInput,
    routes: readonly EventRoute[],
    dedup: DedupKey | null,
    now: number,
  ): Promise<Received> {
    const accepted = (input.status ?? 'accepted') === 'accepted';
    const targets = accepted ? await this.readTargets(routes) : null;
    const row = newRequestRow(input, now);
    const request = toInboundRequest({ ...row, headers: input.headers.map(([n, v]) => [n, v]) });
    const events = accepted ? routes.map((route) => newEventDeliveryRow(request.id, route, now)) : [];
    const key = accepted && input.sourceId != null ? dedup : null;
    const handed = this.lease(events, now);
    const note = request.sourceId === null ? null : { sourceId: request.sourceId, requestId: request.id };
    let result: { duplicate_of: string | null; events: number };
    try {
      result = (await this.db.get<{ duplicate_of: string | null; events: number }>(RECEIVE, [
        row.id,
        row.source_id,
        row.method,
        row.path,
        row.headers,
        row.body,
        row.body_size,
        row.status,
        row.cause,
        row.detail,
        now,
        events.map((e) => e.id),
        events.map((e) => e.connection_id),
        key?.key ?? null,
        key?.expiresAt ?? null,
        events.map((e) => e.destination_id),
        events.map((e) => e.status),
        events.map((e) => e.lease_owner),
        events.map((e) => e.lease_until),
        this.notifyPayload.now,
      ]))!;
    } catch (error) {
      this.worker?.unreserve(handed);
      // A destination deleted since we read it.
      throw isForeignKeyViolation(error) ? new NotFoundError('destination') : error;
    }
    if (note !== null) {
      this.feed.emit(note);
      this.publisher.publish(note);
    }
    if (result.duplicate_of !== null) {
      this.worker?.unreserve(handed);
      const duplicate = {
        ...request,
        status: 'rejected',
        cause: 'duplicate',
        detail: `a duplicate of ${result.duplicate_of}`,
      };
      return { request: duplicate as InboundRequest, events: [], duplicateOf: result.duplicate_of };
    }
    this.handOver(request, events, handed, targets!);
    return { request, events: events.map(toEventDelivery) };
  }

  private async writeReplay(requestId: string, routes: readonly EventRoute[], now: number): Promise<EventDelivery[]> {
    const found = await this.db.get<RequestRow>('SELECT * FROM requests WHERE id = $1', [requestId]);
    if (!found) throw new NotFoundError('request');
    const request = toInboundRequest(found);
    const targets = await this.readTargets(routes);
    const events = routes.map((route) => ({ ...newEventDeliveryRow(request.id, route, now), trigger: 1 }));
    const handed = this.lease(events, now);
    try {
      await this.db.get(REPLAY, [
        request.id,
        now,
        events.map((e) => e.id),
        events.map((e) => e.connection_id),
        events.map((e) => e.destination_id),
        events.map((e) => e.status),
        events.map((e) => e.lease_owner),
        events.map((e) => e.lease_until),
        this.notifyPayload.now,
      ]);
    } catch (error) {
      this.worker?.unreserve(handed);
      throw isForeignKeyViolation(error) ? new NotFoundError('destination') : error;
    }
    this.handOver(request, events, handed, targets);
    return events.map(toEventDelivery);
  }

  private async readTargets(routes: readonly EventRoute[]): Promise<Targets> {
    if (routes.every((r) => r.targets !== undefined)) {
      // Given by the caller: no read. A destination deleted since is still refused by the foreign key.
      const given = routes.map((r) => r.targets!);
      return {
        destinations: new Map(given.map((t) => [t.destination.id, t.destination])),
        connections: new Map(given.flatMap((t) => (t.connection ? [[t.connection.id, t.connection] as const] : []))),
      };
    }
    const destinationIds = [...new Set(routes.map((r) => r.destinationId))];
    const connectionIds = [...new Set(routes.flatMap((r) => (r.connectionId === null ? [] : [r.connectionId])))];
    const [destinationRows, connectionRows] = await Promise.all([
      this.db.all<DestinationRow>('SELECT * FROM destinations WHERE id = ANY($1::text[])', [destinationIds]),
      connectionIds.length === 0
        ? Promise.resolve([])
        : this.db.all<ConnectionRow>('SELECT * FROM connections WHERE id = ANY($1::text[])', [connectionIds]),
    ]);
    const destinations = new Map(destinationRows.map((r) => [r.id, toDestination(r)]));
    if (destinationIds.some((id) => !destinations.has(id))) throw new NotFoundError('destination');
    return { destinations, connections: new Map(connectionRows.map((r) => [r.id, toConnection(r)])) };
  }

  /** Leases the first events the local worker has room for; returns how many. */
  private lease(events: EventDeliveryRow[], now: number): number {
    const worker = this.worker;
    const handed = worker === null ? 0 : worker.reserve(events.length);
    for (const event of events.slice(0, handed)) {
      Object.assign(event, { status: 'sending', lease_owner: worker!.workerId, lease_until: now + worker!.leaseMs });
    }
    return handed;
  }

  /** Committed: hands over what was leased, wakes a claim for the rest. */
  private handOver(request: InboundRequest, events: EventDeliveryRow[], handed: number, targets: Targets): void {
    const worker = this.worker;
    if (worker !== null && handed > 0) {
      worker.take(
        events.slice(0, handed).map((row) => ({
          kind: 'event',
          delivery: toEventDelivery(row),
          request,
          destination: targets.destinations.get(row.destination_id)!,
          connection: (row.connection_id && targets.connections.get(row.connection_id)) || null,
        })),
      );
    }
    if (events.length > handed) this.work.emit('now');
  }
}
