import type { Connection, Destination, Endpoint } from '../../core/types.js';
import type { ClaimedDelivery, DeliveryOutcome, DeliveryQueue, LocalWorker, RecordHandOff } from '../store.js';
import type { WorkListener, WorkSignal } from '../work-signal.js';
import { isForeignKeyViolation, isTransient, named, type PgDb } from './database.js';
import { type EndpointRow, toEndpoint } from '../rows.js';
import { type ConnectionRow, type DestinationRow, toConnection, toDestination } from '../inbound-rows.js';
import { notifyIfAny, type WorkPayloads } from './work-notify.js';
import { type DueRow, toClaimed } from '../claimed-row.js';
import { DEFAULT_FAIR_LIMITS, type FairLimits } from '../fair-share.js';
import { BEGIN_CLAIM, type ClaimGate, pickDue } from './fair-claim.js';
import { recordHandingOff } from './record-hand-off.js';

/** A writer that hands new deliveries to the local worker (messages, received requests). */
export interface HandOffWriter {
  /** Resolves when no batch under way still owes the previous worker a hand-off. */
  attach(worker: LocalWorker | null): Promise<void>;
}

/**
 * A leased delivery of any kind with what it points at: its message's columns (kind `message`)
 * or its request's (kind `event`), and on one row per endpoint (destination) that endpoint
 * (destination).
 */
interface ClaimedRow extends DueRow {
  endpoint: EndpointRow | null;
  destination: DestinationRow | null;
  connection: ConnectionRow | null;
}

/*
 * A claim leases what `pickDue` chose (fair-claim.ts: each target's limit counted across
 * processes, rank by target, ordered endpoints' heads), in one statement after it, in the same
 * transaction and under the same advisory lock:
 * - A row leased (or ended) since the window read it is left out by the WHERE, which PostgreSQL
 *   checks again on the row's newest version after waiting for a concurrent writer's lock; so a
 *   delivery is never leased twice.
 * - A delivery whose endpoint (destination) was disabled since the fan-out is canceled instead.
 * - The endpoint (destination) comes back as JSON on one row per endpoint (destination) only: a
 *   batch usually has few distinct ones, each transferred and parsed once.
 * - What a delivery points at is per kind: one LEFT JOIN per kind, each by primary key, so a kind
 *   costs nothing to the rows of another. Kind `cli` is never claimed here (a `hookd listen`
 *   session takes it: store/crud/listen-sessions.ts). The request body is bytea, a column of its
 *   own (not in JSON), so it arrives as bytes.
 */
const DUE_AGAIN = `((d.status = 'pending' AND d.next_attempt_at <= $1) OR (d.status = 'sending' AND d.lease_until <= $1))`;
/** The rows of `cte` (deliveries just leased) with what each needs, as ClaimedRow: shared by the claim and the hand-off at record. */
const selectLeased = (
  cte: string,
) => `SELECT l.id, l.kind, l.app_id, l.msg_id, l.endpoint_id, l.request_id, l.connection_id,
    l.destination_id, l.status, l.trigger,
    l.attempt_count, l.next_attempt_at, l.lease_owner, l.lease_until, l.created_at, l.updated_at,
    m.event_type AS m_event_type, m.event_id AS m_event_id, m.channels AS m_channels, m.payload AS m_payload,
    m.created_at AS m_created_at, m.traceparent AS m_traceparent,
    r.source_id AS r_source_id, r.method AS r_method, r.path AS r_path, r.headers AS r_headers, r.body AS r_body,
    r.body_size AS r_body_size, r.status AS r_status, r.cause AS r_cause, r.detail AS r_detail,
    r.received_at AS r_received_at,
    CASE WHEN row_number() OVER (PARTITION BY l.endpoint_id) = 1 THEN row_to_json(e) END AS endpoint,
    CASE WHEN row_number() OVER (PARTITION BY l.destination_id) = 1 THEN row_to_json(dst) END AS destination,
    CASE WHEN row_number() OVER (PARTITION BY l.connection_id) = 1 THEN row_to_json(cn) END AS connection
  FROM ${cte} l
    LEFT JOIN messages m ON m.id = l.msg_id LEFT JOIN endpoints e ON e.id = l.endpoint_id
    LEFT JOIN requests r ON r.id = l.request_id LEFT JOIN destinations dst ON dst.id = l.destination_id
    LEFT JOIN connections cn ON cn.id = l.connection_id`;

/**
 * Planned on every call, not prepared (`named`), as the claim's other statements are: a generic
 * plan made while `deliveries` was small would find the picked rows by a scan of the table (see
 * RECORD); a claim leases up to 256 deliveries at once, so its planning costs little per delivery.
 */
export const LEASE_PICKED = `WITH picked AS (
    SELECT x.id, x.ord FROM unnest($2::text[]) WITH ORDINALITY AS x(id, ord)
  ),
  canceled AS (
    UPDATE deliveries d SET status = 'canceled', next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL,
      updated_at = $1
    WHERE d.id = ANY ($5::text[]) AND ${DUE_AGAIN}
  ),
  leased AS (
    UPDATE deliveries d SET status = 'sending', lease_owner = $3, lease_until = $4, updated_at = $1
    FROM picked p WHERE d.id = p.id AND ${DUE_AGAIN}
    RETURNING d.*, p.ord
  )
${selectLeased('leased')}
  ORDER BY l.ord`;

/*
 * Recording a batch is one statement too: the outcomes arrive as parallel arrays (unnest), the
 * attempts go in with one INSERT, the deliveries change with one UPDATE ... FROM, guarded by the
 * lease (after it expired another worker may own the delivery), and endpoints are disabled only
 * where that guard held.
 * - The attempt is kept only while its delivery exists: the endpoint (and with it the delivery)
 *   may have been deleted while the request was in flight.
 * - ON CONFLICT: recording the same outcomes twice (a retry after an unclear failure) is harmless.
 * - NOTIFY when a delivery was rescheduled: the engines' timers must learn the new due time.
 *
 * Prepared once per connection (`named`), so its generic plan, made at the sixth call and kept
 * for the connection's life, must find the batch's deliveries by primary key however small the
 * table was then. On a fresh schema PostgreSQL takes `deliveries` for 10 pages (~270 rows) and a
 * batch of unknown size for 10 rows, and there a sequential scan of the table is cheaper than 10
 * index lookups: such a plan, kept as the table grew, read the whole table twice per record (and
 * matched each row of the batch against every other). So the plan is told what holds on the hot
 * path: the batch is small next to the table (`LIMIT cardinality(...)`, a no-op, which a generic
 * plan estimates at a tenth of its input: one row), and the lease guard compares the delivery
 * with the outcome's row (`leased_status`, `lease_owner`: a join condition, not a filter that
 * makes the table's own rows look few). Then every plan looks each outcome's delivery up by its
 * key. postgres-store.test.ts checks both the generic plan on an empty schema and the pages a
 * record reads after the table grew. (A filter on the table was also what drew the planner to the
 * partial lease index, scanning every lease the worker held for each batch.)
 */
const RECORD_CTES = `WITH o AS MATERIALIZED (
    SELECT *, 'sending' AS leased_status, $18::text AS lease_owner
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
      $8::int[], $9::text[], $10::int[], $11::text[], $12::smallint[], $13::bigint[],
      $14::text[], $15::bigint[], $16::boolean[], $20::text[], $21::text[], $22::text[])
      AS o(id, delivery_id, app_id, msg_id, endpoint_id, url, status, response_status_code, response,
        response_duration_ms, request_headers, trigger, created_at, new_status, next_attempt_at, disable_endpoint,
        kind, request_id, destination_id)
    LIMIT cardinality($2::text[])
  ),
  logged AS (
    INSERT INTO attempts (id, delivery_id, kind, app_id, msg_id, endpoint_id, request_id, destination_id, url, status,
      response_status_code, response, response_duration_ms, request_headers, trigger, created_at)
    SELECT id, delivery_id, kind, app_id, msg_id, endpoint_id, request_id, destination_id, url, status,
      response_status_code, response, response_duration_ms, request_headers::json, trigger, created_at
    FROM o WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = o.delivery_id)
    ON CONFLICT (id) DO NOTHING
  ),
  settled AS (
    UPDATE deliveries d SET status = o.new_status, next_attempt_at = o.next_attempt_at,
      attempt_count = d.attempt_count + 1, lease_owner = NULL, lease_until = NULL, updated_at = $17
    FROM o WHERE d.id = o.delivery_id AND d.status = o.leased_status AND d.lease_owner = o.lease_owner
    RETURNING d.id, d.endpoint_id, o.disable_endpoint, o.new_status, o.next_attempt_at
  ),
  disabled AS (
    UPDATE endpoints SET disabled = true, updated_at = $17
    WHERE id IN (SELECT endpoint_id FROM settled WHERE disable_endpoint AND endpoint_id IS NOT NULL)
  ),
  rescheduled AS (
    SELECT 1 FROM settled WHERE new_status = 'pending' AND next_attempt_at IS NOT NULL
  )`;
const RECORD_RESULT = `SELECT (SELECT count(*) FROM rescheduled) AS rescheduled, ${notifyIfAny('rescheduled', '$19')} AS notified`;
export const RECORD = named('record', `${RECORD_CTES}\n${RECORD_RESULT}`);
/** RECORD with the hand-off at record (record-hand-off.ts): the same result, on each handed-off delivery's row. */
export const RECORD_HANDING_OFF = recordHandingOff(RECORD_CTES, RECORD_RESULT, selectLeased);

/** Finds its batch's deliveries by primary key in any plan, as RECORD does. */
export const POSTPONE = named(
  'postpone',
  `WITH postponed AS (
    UPDATE deliveries d SET status = 'pending', next_attempt_at = x.due_at, lease_owner = NULL, lease_until = NULL,
      updated_at = $3
    FROM (SELECT *, 'sending' AS leased_status, $4::text AS lease_owner FROM unnest($1::text[], $2::bigint[]) AS x(id, due_at)
      LIMIT cardinality($1::text[])) x
    WHERE d.id = x.id AND d.status = x.leased_status AND d.lease_owner = x.lease_owner
    RETURNING 1
  )
SELECT ${notifyIfAny('postponed', '$5')} AS notified`,
);

const RELEASE = `WITH released AS (
    UPDATE deliveries SET status = 'pending', next_attempt_at = $1, lease_owner = NULL, lease_until = NULL,
      updated_at = $1
    WHERE status = 'sending' AND lease_owner = $2
    RETURNING 1
  )
SELECT (SELECT count(*) FROM released) AS released, ${notifyIfAny('released', '$3')} AS notified`;

/** A statement that failed for a reason that may not recur (a deadlock, a concurrent delete) is run again. */
const MAX_RECORD_TRIES = 3;

/** PostgreSQL text cannot hold U+0000, which a response body may contain. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: this is the character to find
const NUL = /\u0000/g;

/** The queue side of deliveries: claim with a lease, record outcomes, give leases back. */
export class PgDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly db: PgDb,
    private readonly work: WorkSignal,
    private readonly notifyPayload: WorkPayloads,
    /** The writers that create deliveries: each hands its new ones to the local worker. */
    private readonly writers: readonly HandOffWriter[],
    /** Shared with the writers: this process's claims and hand-offs take turns. */
    private readonly gate: ClaimGate,
    /** The limits on live leases per target (when it sets none) and per application (store/fair-share.ts). */
    private readonly limits: FairLimits = DEFAULT_FAIR_LIMITS,
  ) {}

  async claim(workerId: string, limit: number, leaseMs: number, now: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    // The advisory lock first (other processes' claims), then this process's turn at the gate
    // (its writers' hand-offs) until the COMMIT: waiting for the lock does not hold up the
    // writers, and a writer's turn never waits for another process.
    const rows = await this.db.transaction(
      async (tx) => {
        const { lease, cancel } = await pickDue(tx, now, limit, this.limits);
        if (lease.length + cancel.length === 0) return [];
        return tx.all<ClaimedRow>(LEASE_PICKED, [now, lease, workerId, now + leaseMs, cancel]);
      },
      BEGIN_CLAIM,
      (work) => this.gate.run(work),
    );
    return toClaimedDeliveries(rows);
  }

  async postpone(workerId: string, items: readonly { id: string; dueAt: number }[], now: number): Promise<void> {
    if (items.length === 0) return;
    await this.db.get(POSTPONE, [
      items.map((i) => i.id),
      items.map((i) => i.dueAt),
      now,
      workerId,
      this.notifyPayload.later,
    ]);
    this.work.emit('later');
  }

  async record(
    workerId: string,
    outcomes: DeliveryOutcome[],
    now: number,
    handOff?: RecordHandOff,
  ): Promise<ClaimedDelivery[]> {
    if (outcomes.length === 0) return [];
    const columns = outcomeColumns(outcomes);
    const params = [...columns.slice(0, 16), now, workerId, this.notifyPayload.later, ...columns.slice(16)];
    if (handOff) params.push(now + handOff.leaseMs, this.limits.endpoint, this.limits.application);
    for (let tries = 1; ; tries++) {
      try {
        const rows = await this.db.all<Partial<ClaimedRow> & { rescheduled: number }>(
          handOff ? RECORD_HANDING_OFF : RECORD,
          params,
        );
        if (rows[0].rescheduled > 0) this.work.emit('later');
        return toClaimedDeliveries(rows.filter((r): r is ClaimedRow & { rescheduled: number } => r.id != null));
      } catch (error) {
        // A deadlock with another statement over the same rows, or a delivery deleted between our
        // EXISTS check and the foreign-key check: the whole statement rolled back; run it again.
        if (tries >= MAX_RECORD_TRIES || !(isTransient(error) || isForeignKeyViolation(error))) throw error;
      }
    }
  }

  async release(workerId: string, now: number): Promise<void> {
    const row = await this.db.get<{ released: number }>(RELEASE, [now, workerId, this.notifyPayload.now]);
    if (row!.released > 0) this.work.emit('now');
  }

  onWork(listener: WorkListener): () => void {
    return this.work.subscribe(listener);
  }

  /**
   * In role `all`, this process's engine: its share of each new batch skips the claim. Other
   * processes' workers claim the rest after NOTIFY.
   */
  async attachLocalWorker(worker: LocalWorker | null): Promise<void> {
    await Promise.all(this.writers.map((writer) => writer.attach(worker)));
  }

  /** One round trip; each subquery is the first entry of a partial index. */
  async nextDueAt(): Promise<number | null> {
    const row = await this.db.get<{ due: number | null; lease: number | null }>(
      `SELECT (SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending' AND kind <> 'cli') AS due,
              (SELECT min(lease_until) FROM deliveries WHERE status = 'sending' AND kind <> 'cli') AS lease`,
    );
    const { due, lease } = row!;
    if (due == null) return lease ?? null;
    return lease == null ? due : Math.min(due, lease);
  }
}

/** Claimed rows as deliveries; deliveries to one endpoint (destination) share its (read-only) object. */
function toClaimedDeliveries(rows: ClaimedRow[]): ClaimedDelivery[] {
  const endpoints = new Map<string, Endpoint>();
  const destinations = new Map<string, Destination>();
  const connections = new Map<string, Connection>();
  for (const row of rows) {
    if (row.endpoint) endpoints.set(row.endpoint_id!, toEndpoint(row.endpoint));
    if (row.destination) destinations.set(row.destination_id!, toDestination(row.destination));
    if (row.connection) connections.set(row.connection_id!, toConnection(row.connection));
  }
  return rows.map((row) => toClaimed(row, { endpoints, destinations, connections }));
}

/**
 * The outcomes as the 19 parallel arrays that RECORD unnests ($1..$16, then $20..$22: what the
 * attempt points at, per kind), sorted by delivery id (a stable lock order).
 */
function outcomeColumns(outcomes: DeliveryOutcome[]): unknown[][] {
  const sorted = [...outcomes].sort((a, b) => (a.attempt.deliveryId < b.attempt.deliveryId ? -1 : 1));
  const columns: unknown[][] = Array.from({ length: 19 }, () => []);
  for (const { attempt: a, status, nextAttemptAt, disableEndpoint } of sorted) {
    const event = a.kind === 'event' ? a : null;
    const message = a.kind === 'event' ? null : a;
    const values = [
      a.id,
      a.deliveryId,
      message?.appId ?? null,
      message?.msgId ?? null,
      message?.endpointId ?? null,
      a.url,
      a.status,
      a.responseStatusCode,
      a.response.replace(NUL, '\uFFFD'),
      a.responseDurationMs,
      JSON.stringify(a.requestHeaders),
      a.trigger,
      a.createdAt,
      status,
      nextAttemptAt,
      disableEndpoint === true && message !== null,
      a.kind ?? 'message',
      event?.requestId ?? null,
      event?.destinationId ?? null,
    ];
    for (const [i, value] of values.entries()) columns[i].push(value);
  }
  return columns;
}
