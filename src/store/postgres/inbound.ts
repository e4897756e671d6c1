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
import type { RequestFeed, StoredRequestNote } from '../request-feed.js';
import type { RequestFeedPublisher } from './request-feed-publisher.js';
import { isForeignKeyViolation, isInputError, isTransient, named, type PgDb } from './database.js';
import { DEFAULT_FAIR_LIMITS, type FairLimits } from '../fair-share.js';
import type { ClaimGate } from './fair-claim.js';
import { notifyHeldUntil, notifyPending, WORK_CHANNEL, type WorkPayloads } from './work-notify.js';
import { heldUntilSql } from '../crud/target-health.js';

/*
 * The hand-off, inside the statement that inserts the events (the CTE `ev`: id, request_id,
 * connection_id, destination_id, kind, ord). A destination's live leases are counted from the
 * lease index as the claim counts them (fair-claim.ts), and the events go to the local worker in
 * their order as `mayHandOff` (store/fair-share.ts) takes them for a destination: the first ones of
 * kind `event` whose destination stays under its limit ($limit: destinations take the default),
 * at most $room of them (what the worker reserved; 0 without one). The count and the leases are
 * one statement, so the hand-off costs no round trip of its own; the claim gate still keeps this
 * process's claims and hand-offs from both filling the same room. An event whose destination may
 * not be sent to before a stored time (`hold`: its open circuit's probe, its pause's end) is
 * created due then, neither handed off nor counted pending (`eventsHeld`, `holdRows`).
 */
function handOff(now: string, owner: string, until: string, room: string, limit: string): string {
  const held = heldUntilSql(now);
  return `hold AS (
    SELECT h.target_id, ${held.until} AS until FROM target_health h
    WHERE h.target_id IN (SELECT destination_id FROM ev WHERE kind = 'event') AND ${held.isHeld}
    FOR SHARE OF h
  ),
  live AS (
    SELECT destination_id, count(*) AS n FROM deliveries
    WHERE status = 'sending' AND kind <> 'cli' AND lease_until > ${now}
      AND destination_id IN (SELECT destination_id FROM ev)
    GROUP BY destination_id
  ),
  fitting AS (
    SELECT ev.*, hold.until AS held_until, ev.kind = 'event' AND hold.until IS NULL
      AND COALESCE(live.n, 0) + row_number() OVER (PARTITION BY ev.destination_id, ev.kind ORDER BY ev.ord) <= ${limit}
      AS fits
    FROM ev LEFT JOIN live ON live.destination_id = ev.destination_id
      LEFT JOIN hold ON hold.target_id = ev.destination_id AND ev.kind = 'event'
  ),
  chosen AS (
    SELECT fitting.*, fits AND row_number() OVER (PARTITION BY fits ORDER BY ord) <= ${room} AS leased FROM fitting
  ),
  new_events AS (
    INSERT INTO deliveries (id, kind, request_id, connection_id, destination_id, status, trigger, attempt_count,
      next_attempt_at, lease_owner, lease_until, created_at, updated_at)
    SELECT id, kind, request_id, connection_id, destination_id, CASE WHEN leased THEN 'sending' ELSE 'pending' END,
      trigger, 0, COALESCE(held_until, ${now}), CASE WHEN leased THEN ${owner} END,
      CASE WHEN leased THEN ${until}::bigint END, ${now}, ${now}
    FROM chosen
    RETURNING id, status
  ),
  new_pending AS (SELECT kind = 'event' AND NOT fits AS held FROM chosen WHERE NOT leased AND held_until IS NULL)`;
}

/**
 * The result columns of the events a statement with `handOff` created due later (`EventsHeld`),
 * and the NOTIFY that tells other processes' engines the earliest such time (`laterParam`: the
 * `later` payload; `WorkListener`).
 */
function eventsHeld(laterParam: string): string {
  return `ARRAY(SELECT id FROM chosen WHERE held_until IS NOT NULL) AS held_ids,
  ARRAY(SELECT held_until FROM chosen WHERE held_until IS NOT NULL) AS held_untils,
  ${notifyHeldUntil('chosen', laterParam)} AS notified_held`;
}

/** Events created due at their destination's stored probe or pause end (`heldUntilSql`), not now. */
interface EventsHeld {
  held_ids: string[];
  held_untils: (number | string)[];
}

/*
 * A batch of requests and their events in one statement, its own transaction (a group commit).
 * Dedup keys are taken by an upsert that keeps a live key's row as it is (its window has not
 * ended) and takes over an expired one; either way it returns the row, locked and current even
 * when a concurrent statement inserted it after this one's snapshot. A key appears once in the
 * upsert (ON CONFLICT cannot touch a row twice): its first request in the batch offers it, the
 * others find the holder by the join. A request whose key's holder is another request is stored
 * rejected as a duplicate of it; the others with the verdict given. Events go in for the requests
 * stored accepted only, and those handed to the local worker already leased to it (`handOff`);
 * NOTIFY goes out with the commit when any was left pending for a claim: $26 (`held`) when
 * every one of them waits for its destination's live leases (`handOff`), else $21 (`now`).
 */
export const RECEIVE = named(
  'receive',
  `WITH r AS MATERIALIZED (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::int[],
      $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::bigint[], $14::boolean[])
      AS r(id, source_id, method, path, headers, body, body_size, status, cause, detail, received_at, key, expires_at,
        offers_key)
  ),
  taken AS (
    INSERT INTO request_keys (source_id, key, request_id, expires_at)
    SELECT source_id, key, id, expires_at FROM r WHERE offers_key
    ON CONFLICT (source_id, key) DO UPDATE SET
      request_id = CASE WHEN request_keys.expires_at <= $15 THEN excluded.request_id ELSE request_keys.request_id END,
      expires_at = CASE WHEN request_keys.expires_at <= $15 THEN excluded.expires_at ELSE request_keys.expires_at END
    RETURNING source_id, key, request_id
  ),
  verdict AS (
    SELECT r.*, t.request_id AS holder FROM r LEFT JOIN taken t ON t.source_id = r.source_id AND t.key = r.key
  ),
  new_requests AS (
    INSERT INTO requests (id, source_id, method, path, headers, body, body_size, status, cause, detail, received_at)
    SELECT id, source_id, method, path, headers::json, body, body_size,
      CASE WHEN holder IS NULL OR holder = id THEN status ELSE 'rejected' END,
      CASE WHEN holder IS NULL OR holder = id THEN cause ELSE 'duplicate' END,
      CASE WHEN holder IS NULL OR holder = id THEN detail ELSE 'a duplicate of ' || holder END,
      received_at
    FROM verdict
    RETURNING id, status
  ),
  ev AS (
    SELECT x.*, 0 AS trigger
    FROM unnest($16::text[], $17::text[], $18::text[], $19::text[], $20::text[])
        WITH ORDINALITY AS x(id, request_id, connection_id, destination_id, kind, ord)
      JOIN new_requests n ON n.id = x.request_id AND n.status = 'accepted'
  ),
  ${handOff('$15', '$22', '$23', '$24', '$25')}
SELECT ARRAY(SELECT id FROM verdict WHERE holder <> id ORDER BY id) AS duplicates,
  ARRAY(SELECT holder FROM verdict WHERE holder <> id ORDER BY id) AS holders,
  ARRAY(SELECT id FROM new_events WHERE status = 'sending') AS leased,
  (SELECT count(*) FROM new_pending WHERE held) AS held, ${notifyPending('new_pending', '$21', '$26')} AS notified,
  ${eventsHeld('$27')}`,
);

/** New events of a stored request (a replay, trigger manual), as RECEIVE inserts them. */
export const REPLAY = named(
  'replay',
  `WITH ev AS (
    SELECT x.*, $1::text AS request_id, 1 AS trigger
    FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS x(id, connection_id, destination_id,
      kind, ord)
  ),
  ${handOff('$2', '$8', '$9', '$10', '$11')}
SELECT ARRAY(SELECT id FROM new_events WHERE status = 'sending') AS leased,
  (SELECT count(*) FROM new_pending WHERE held) AS held, ${notifyPending('new_pending', '$7', '$12')} AS notified,
  ${eventsHeld('$13')}`,
);

/** At most this many requests per statement, as the message writer bounds its batches. */
const MAX_BATCH_REQUESTS = 256;
/** Bodies of at most this many bytes per statement (a larger one goes alone). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Statements written at once: a batch waits for a free one, and grows meanwhile. */
const MAX_BATCHES_IN_FLIGHT = 4;
/**
 * With a local worker, batches take turns at the claim gate (their hand-offs must), so a second
 * batch in flight only waits there, cut smaller than it would have grown meanwhile: one at a time.
 */
const MAX_BATCHES_HANDING_OFF = 1;

interface QueuedRequest {
  input: RequestInput;
  routes: readonly EventRoute[];
  dedup: DedupKey | null;
  now: number;
  resolve: (received: Received) => void;
  reject: (error: unknown) => void;
}

/** A destination deleted since it was read refuses the write with a foreign-key error. */
function mapped(error: unknown): unknown {
  return isForeignKeyViolation(error) ? new NotFoundError('destination') : error;
}

/** The targets of a batch of routes, read before the write (for the hand-off and to refuse an unknown one). */
interface Targets {
  destinations: Map<string, Destination>;
  connections: Map<string, Connection>;
}

/**
 * Received requests and their events, as on SQLite (`SqliteInbound`): the requests of one
 * event-loop turn are one statement, hand-off included (one round trip; the routes' destinations
 * and connections are read first only when the caller did not give them).
 */
export class PgInbound implements InboundStore {
  private worker: LocalWorker | null = null;
  private readonly running = new Set<Promise<unknown>>();
  private queue: QueuedRequest[] = [];
  private flushScheduled = false;
  /** Batches being written now. */
  private batches = 0;

  constructor(
    private readonly db: PgDb,
    private readonly executor: SqlExecutor,
    private readonly work: WorkSignal,
    private readonly notifyPayload: WorkPayloads,
    /** This store's own feed (the listener adds other processes' requests to it). */
    private readonly feed: RequestFeed,
    /** Tells the other processes (NOTIFY, batched). */
    private readonly publisher: RequestFeedPublisher,
    /** Shared with the queue: this process's claims and hand-offs take turns. */
    private readonly gate: ClaimGate,
    /** The limits on live leases per target (when it sets none) and per application (store/fair-share.ts). */
    private readonly limits: FairLimits = DEFAULT_FAIR_LIMITS,
  ) {}

  onRequest(listener: (note: StoredRequestNote) => void): () => void {
    return this.feed.subscribe(listener);
  }

  /** Resolves when no request under way still owes the previous worker a hand-off. */
  async attach(worker: LocalWorker | null): Promise<void> {
    this.worker = worker;
    await Promise.allSettled([...this.running]);
  }

  /** Queued, and written with the others of this event-loop turn in one statement (see RECEIVE). */
  receive(input: RequestInput, routes: readonly EventRoute[], dedup: DedupKey | null, now: number): Promise<Received> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, routes, dedup, now, resolve, reject });
      this.scheduleFlush();
    });
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

  /** Writes what is queued and waits for every batch (`close()` calls it: no received request is dropped). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running.size > 0) {
      if (this.queue.length > 0) this.startBatch();
      await Promise.allSettled([...this.running]);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.batches >= this.maxInFlight()) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      while (this.queue.length > 0 && this.batches < this.maxInFlight()) this.startBatch();
    });
  }

  private maxInFlight(): number {
    return this.worker === null ? MAX_BATCHES_IN_FLIGHT : MAX_BATCHES_HANDING_OFF;
  }

  /** Takes the next batch: up to MAX_BATCH_REQUESTS, and bodies of MAX_BATCH_BYTES together (one at least). */
  private startBatch(): void {
    let bytes = 0;
    let size = 0;
    while (size < this.queue.length && size < MAX_BATCH_REQUESTS) {
      bytes += this.queue[size].input.body.length;
      if (size > 0 && bytes > MAX_BATCH_BYTES) break;
      size++;
    }
    const batch = this.queue.splice(0, size);
    this.batches++;
    const written = this.writeOrRetry(batch).finally(() => {
      this.batches--;
      if (this.queue.length > 0) this.scheduleFlush();
    });
    this.track(written);
  }

  /** Never rejects: each outcome goes to its caller. A batch that fails on one input's fault is retried input by input. */
  private async writeOrRetry(batch: QueuedRequest[]): Promise<void> {
    try {
      const received = await this.write(batch);
      for (const [i, item] of batch.entries()) item.resolve(received[i]);
    } catch (error) {
      if (batch.length === 1 || !(isInputError(error) || isTransient(error) || error instanceof NotFoundError)) {
        for (const item of batch) item.reject(mapped(error));
        return;
      }
      for (const item of batch) {
        try {
          item.resolve((await this.write([item]))[0]);
        } catch (itemError) {
          item.reject(mapped(itemError));
        }
      }
    }
  }

  /**
   * Writes a batch in one statement, then (committed: nothing past this point throws) announces
   * the requests and hands the local worker the events the statement leased to it.
   */
  private write(batch: QueuedRequest[]): Promise<Received[]> {
    const worker = this.worker;
    // Without a worker nothing is handed over: no turn to wait for.
    if (worker === null) return this.writeBatch(batch, null);
    return this.gate.run(() => this.writeBatch(batch, worker));
  }

  /** Called holding the claim gate when it may hand events to `worker`. */
  private async writeBatch(batch: QueuedRequest[], worker: LocalWorker | null): Promise<Received[]> {
    const now = Math.max(...batch.map((q) => q.now));
    const accepted = batch.map((q) => (q.input.status ?? 'accepted') === 'accepted');
    const targets = await this.readTargets(batch.flatMap((q, i) => (accepted[i] ? q.routes : [])));
    const rows = batch.map((q) => newRequestRow(q.input, q.now));
    const requests = rows.map((row, i) =>
      toInboundRequest({ ...row, headers: batch[i].input.headers.map(([n, v]) => [n, v]) }),
    );
    const events = batch.map((q, i) =>
      accepted[i]
        ? q.routes.map((route) =>
            newEventDeliveryRow(rows[i].id, route, now, targets.destinations.get(route.destinationId)?.kind),
          )
        : [],
    );
    const keys = batch.map((q, i) => (accepted[i] && q.input.sourceId != null ? q.dedup : null));
    const offered = new Set<string>();
    const offers = keys.map((key, i) => {
      if (key === null) return false;
      const id = `${rows[i].source_id} ${key.key}`;
      if (offered.has(id)) return false;
      offered.add(id);
      return true;
    });
    const allEvents = events.flat();
    const handOff = this.reserve(allEvents, now, worker);
    type Result = { duplicates: string[]; holders: string[]; leased: string[]; held: number } & EventsHeld;
    let result: Result;
    try {
      result = (await this.db.get<Result>(RECEIVE, [
        rows.map((r) => r.id),
        rows.map((r) => r.source_id),
        rows.map((r) => r.method),
        rows.map((r) => r.path),
        rows.map((r) => r.headers),
        rows.map((r) => r.body),
        rows.map((r) => r.body_size),
        rows.map((r) => r.status),
        rows.map((r) => r.cause),
        rows.map((r) => r.detail),
        rows.map((r) => r.received_at),
        keys.map((k) => k?.key ?? null),
        keys.map((k) => k?.expiresAt ?? null),
        offers,
        now,
        allEvents.map((e) => e.id),
        allEvents.map((e) => e.request_id),
        allEvents.map((e) => e.connection_id),
        allEvents.map((e) => e.destination_id),
        allEvents.map((e) => e.kind),
        this.notifyPayload.now,
        ...handOff.params,
        this.notifyPayload.held,
        this.notifyPayload.later,
      ]))!;
    } catch (error) {
      handOff.cancel();
      throw error;
    }
    const leased = handOff.settle(allEvents, result.leased);
    const later = this.holdRows(allEvents, result);
    const duplicateOf = new Map(result.duplicates.map((id, i) => [id, result.holders[i]]));
    const take: ClaimedEvent[] = [];
    let pending = 0;
    const received = requests.map((request, i): Received => {
      if (request.sourceId !== null) {
        const note = { sourceId: request.sourceId, requestId: request.id };
        this.feed.emit(note);
        this.publisher.publish(note);
      }
      const holder = duplicateOf.get(request.id);
      if (holder !== undefined) {
        const duplicate = { ...request, status: 'rejected', cause: 'duplicate', detail: `a duplicate of ${holder}` };
        return { request: duplicate as InboundRequest, events: [], duplicateOf: holder };
      }
      for (const row of events[i]) {
        if (leased.has(row.id)) take.push(claimedEvent(row, request, targets));
        else if (!later.has(row.id)) pending++;
      }
      return { request, events: events[i].map(toEventDelivery) };
    });
    if (take.length > 0) handOff.worker?.take(take);
    this.work.emit(pendingDue({ pending, held: result.held }));
    return received;
  }

  private writeReplay(requestId: string, routes: readonly EventRoute[], now: number): Promise<EventDelivery[]> {
    const worker = this.worker;
    if (worker === null) return this.writeReplayWith(requestId, routes, now, null);
    return this.gate.run(() => this.writeReplayWith(requestId, routes, now, worker));
  }

  private async writeReplayWith(
    requestId: string,
    routes: readonly EventRoute[],
    now: number,
    worker: LocalWorker | null,
  ): Promise<EventDelivery[]> {
    const found = await this.db.get<RequestRow>('SELECT * FROM requests WHERE id = $1', [requestId]);
    if (!found) throw new NotFoundError('request');
    const request = toInboundRequest(found);
    const targets = await this.readTargets(routes);
    const events = routes.map((route) => ({
      ...newEventDeliveryRow(request.id, route, now, targets.destinations.get(route.destinationId)?.kind),
      trigger: 1,
    }));
    const handOff = this.reserve(events, now, worker);
    let result: { leased: string[]; held: number } & EventsHeld;
    try {
      result = (await this.db.get<{ leased: string[]; held: number } & EventsHeld>(REPLAY, [
        request.id,
        now,
        events.map((e) => e.id),
        events.map((e) => e.connection_id),
        events.map((e) => e.destination_id),
        events.map((e) => e.kind),
        this.notifyPayload.now,
        ...handOff.params,
        this.notifyPayload.held,
        this.notifyPayload.later,
      ]))!;
    } catch (error) {
      handOff.cancel();
      throw isForeignKeyViolation(error) ? new NotFoundError('destination') : error;
    }
    const leased = handOff.settle(events, result.leased);
    const later = this.holdRows(events, result);
    if (leased.size > 0) {
      handOff.worker?.take(events.filter((e) => leased.has(e.id)).map((row) => claimedEvent(row, request, targets)));
    }
    this.work.emit(pendingDue({ pending: events.length - leased.size - later.size, held: result.held }));
    return events.map(toEventDelivery);
  }

  /**
   * Sets the due time of the events the statement created held until their destination's probe or
   * pause end, and signals the earliest to this process's engine (`WorkListener`; the statement's
   * NOTIFY told the others). Returns their ids.
   */
  private holdRows(rows: readonly EventDeliveryRow[], { held_ids, held_untils }: EventsHeld): Set<string> {
    const untils = new Map(held_ids.map((id, i) => [id, Number(held_untils[i])]));
    for (const row of rows) row.next_attempt_at = untils.get(row.id) ?? row.next_attempt_at;
    if (untils.size > 0) this.work.emit('later', Math.min(...untils.values()));
    return new Set(untils.keys());
  }

  /**
   * Reserves the local worker's room for the events of kind `event` (a CLI destination's wait for
   * its `hookd listen` session: never leased to the engine), and gives the statement's hand-off
   * its parameters (`handOff`: lease owner, lease end, room, a destination's limit). After the
   * commit, `settle` marks the rows the statement leased and gives back the rest of the room.
   * Called holding the claim gate, when `worker` is not null.
   */
  private reserve(events: readonly EventDeliveryRow[], now: number, worker: LocalWorker | null) {
    const wanted = events.filter((e) => e.kind === 'event').length;
    const room = worker === null || wanted === 0 ? 0 : worker.reserve(wanted);
    const leaseUntil = worker === null ? null : now + worker.leaseMs;
    return {
      worker,
      params: [worker?.workerId ?? null, leaseUntil, room, this.limits.endpoint],
      cancel: () => worker?.unreserve(room),
      settle: (rows: readonly EventDeliveryRow[], leasedIds: readonly string[]): Set<string> => {
        const leased = new Set(leasedIds);
        worker?.unreserve(room - leased.size);
        for (const row of rows) {
          if (leased.has(row.id))
            Object.assign(row, { status: 'sending', lease_owner: worker!.workerId, lease_until: leaseUntil });
        }
        return leased;
      },
    };
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
}

/** An event leased to the local worker at creation, with what its request needs. */
function claimedEvent(row: EventDeliveryRow, request: InboundRequest, targets: Targets): ClaimedEvent {
  return {
    kind: 'event',
    delivery: toEventDelivery(row),
    request,
    destination: targets.destinations.get(row.destination_id)!,
    connection: (row.connection_id && targets.connections.get(row.connection_id)) || null,
  };
}
