import type { AttemptRecord } from '../../core/types.js';
import type { ClaimedDelivery, DeliveryOutcome, DeliveryQueue, LocalWorker, RecordHandOff } from '../store.js';
import type { WorkListener, WorkSignal } from '../work-signal.js';
import { type DueRow, toClaimed } from '../claimed-row.js';
import type { SqliteDb } from './database.js';
import { toEndpoint } from '../rows.js';
import { toConnection, toDestination } from '../inbound-rows.js';
import { DEFAULT_FAIR_LIMITS, type FairLimits, type FreedTarget, refillsAtRecord } from '../fair-share.js';
import { pickDue, readLiveLeases } from './fair-claim.js';

/** A writer that hands new deliveries to the local worker (messages, received requests). */
export interface HandOffWriter {
  attach(worker: LocalWorker | null): void;
}

/*
 * Which due deliveries a claim takes is decided by `pickDue` (fair-claim.ts: each target's
 * concurrency limit, rank by target, ordered endpoints' heads); this reads what they point at.
 * Endpoints and destinations are not joined here: a batch usually has few distinct ones, loaded
 * (and their JSON parsed) once each. What a delivery points at is per kind: one LEFT JOIN per
 * kind, each by primary key, so a kind costs nothing to the rows of another. Kind `cli` is never
 * claimed here (a `hookd listen` session takes it: store/crud/listen-sessions.ts); the partial
 * indexes leave it out too.
 */
const SELECT_PICKED = `SELECT d.*, m.event_type AS m_event_type, m.event_id AS m_event_id, m.channels AS m_channels,
    m.payload AS m_payload, m.created_at AS m_created_at, m.traceparent AS m_traceparent,
    r.source_id AS r_source_id, r.method AS r_method, r.path AS r_path, r.headers AS r_headers, r.body AS r_body,
    r.body_size AS r_body_size, r.status AS r_status, r.cause AS r_cause, r.detail AS r_detail,
    r.received_at AS r_received_at
  FROM deliveries d
  LEFT JOIN messages m ON m.id = d.msg_id
  LEFT JOIN requests r ON r.id = d.request_id
  WHERE d.id IN (SELECT value FROM json_each(?))`;
const SELECT_ENDPOINTS = 'SELECT * FROM endpoints WHERE id IN (SELECT value FROM json_each(?))';
const SELECT_DESTINATIONS = 'SELECT * FROM destinations WHERE id IN (SELECT value FROM json_each(?))';
const SELECT_CONNECTIONS = 'SELECT * FROM connections WHERE id IN (SELECT value FROM json_each(?))';

const LEASE = `UPDATE deliveries SET status = 'sending', lease_owner = ?, lease_until = ?, updated_at = ?
  WHERE id IN (SELECT value FROM json_each(?))`;
const CANCEL = `UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL, lease_owner = NULL,
    lease_until = NULL, updated_at = ?
  WHERE id IN (SELECT value FROM json_each(?))`;

const ATTEMPT_COLUMNS = `id, delivery_id, kind, app_id, msg_id, endpoint_id, request_id, destination_id, url, status,
    response_status_code, response, response_duration_ms, request_headers, trigger, created_at`;
const ATTEMPT_VALUES = '?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?';
// ON CONFLICT: recording the same outcomes twice (a retry after an unclear failure) is harmless.
// Bound by position (attemptParams): named parameters are looked up on an object one by one.
const INSERT_ATTEMPT = `INSERT INTO attempts (${ATTEMPT_COLUMNS}) VALUES (${ATTEMPT_VALUES}) ON CONFLICT (id) DO NOTHING`;
// For an outcome whose delivery this worker no longer leases: the attempt is kept only while its
// delivery exists (the endpoint, and with it the delivery, may have been deleted while the request
// was in flight, and a foreign-key error would fail the batch). The last parameter is the delivery id.
const INSERT_ATTEMPT_IF_DELIVERY = `INSERT INTO attempts (${ATTEMPT_COLUMNS})
  SELECT ${ATTEMPT_VALUES} WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = ?)
  ON CONFLICT (id) DO NOTHING`;
// Only while the lease is still ours: after it expired another worker may own the delivery.
const SETTLE = `UPDATE deliveries SET status = ?, next_attempt_at = ?, attempt_count = attempt_count + 1,
    lease_owner = NULL, lease_until = NULL, updated_at = ?
  WHERE id = ? AND status = 'sending' AND lease_owner = ?`;

/*
 * The hand-off at record (store/fair-share.ts, refillsAtRecord): the live leases the batch ends
 * (read before it settles them), the state of their targets (after: an endpoint the batch
 * disables is disabled), and each target's next due deliveries, oldest first (one range of
 * deliveries_due_target, as a claim reads a target's).
 */
const ENDING = `SELECT COALESCE(endpoint_id, destination_id) AS target, max(app_id) AS app_id, count(*) AS n
  FROM deliveries
  WHERE id IN (SELECT value FROM json_each(?)) AND status = 'sending' AND kind <> 'cli' AND lease_owner = ?
    AND lease_until > ?
  GROUP BY 1`;
const TARGET_STATE = `SELECT id, max_concurrency AS lim, ordered, disabled FROM endpoints
    WHERE id IN (SELECT value FROM json_each(@ids))
  UNION ALL
  SELECT id, NULL, 0, disabled FROM destinations WHERE id IN (SELECT value FROM json_each(@ids))`;
const NEXT_DUE = `SELECT id FROM deliveries
  WHERE status = 'pending' AND kind <> 'cli' AND COALESCE(endpoint_id, destination_id) = ? AND next_attempt_at <= ?
  ORDER BY next_attempt_at LIMIT ?`;

const POSTPONE = `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, lease_owner = NULL, lease_until = NULL,
    updated_at = ?
  WHERE id = ? AND status = 'sending' AND lease_owner = ?`;

/** The queue side of deliveries: claim with a lease, record outcomes, give leases back. */
export class SqliteDeliveryQueue implements DeliveryQueue {
  private readonly claimTx: (workerId: string, limit: number, leaseMs: number, now: number) => ClaimedDelivery[];
  private readonly recordTx: (
    workerId: string,
    outcomes: DeliveryOutcome[],
    now: number,
    handOff: RecordHandOff | undefined,
  ) => { rescheduled: boolean; handed: ClaimedDelivery[] };
  private readonly postponeTx: (workerId: string, items: readonly { id: string; dueAt: number }[], now: number) => void;

  constructor(
    private readonly db: SqliteDb,
    private readonly work: WorkSignal,
    /** The writers that create deliveries: each hands its new ones to the local worker. */
    private readonly writers: readonly HandOffWriter[],
    /** The limits on live leases per target (when it sets none) and per application (store/fair-share.ts). */
    private readonly limits: FairLimits = DEFAULT_FAIR_LIMITS,
  ) {
    this.claimTx = db.transaction(this.claimInTransaction.bind(this));
    this.recordTx = db.transaction(this.recordInTransaction.bind(this));
    this.postponeTx = db.transaction(
      (workerId: string, items: readonly { id: string; dueAt: number }[], now: number) => {
        const postpone = this.db.stmt(POSTPONE);
        for (const item of items) postpone.run(item.dueAt, now, item.id, workerId);
      },
    );
  }

  async claim(workerId: string, limit: number, leaseMs: number, now: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    await this.db.hold.opened();
    return this.claimTx(workerId, limit, leaseMs, now);
  }

  async record(
    workerId: string,
    outcomes: DeliveryOutcome[],
    now: number,
    handOff?: RecordHandOff,
  ): Promise<ClaimedDelivery[]> {
    if (outcomes.length === 0) return [];
    await this.db.hold.opened();
    const { rescheduled, handed } = this.recordTx(workerId, outcomes, now, handOff);
    if (rescheduled) this.work.emit('later');
    return handed;
  }

  async postpone(workerId: string, items: readonly { id: string; dueAt: number }[], now: number): Promise<void> {
    if (items.length === 0) return;
    await this.db.hold.opened();
    this.postponeTx(workerId, items, now);
    this.work.emit('later');
  }

  async release(workerId: string, now: number): Promise<void> {
    const { changes } = this.db.run(
      `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, lease_owner = NULL, lease_until = NULL,
         updated_at = ?
       WHERE status = 'sending' AND lease_owner = ?`,
      now,
      now,
      workerId,
    );
    if (changes > 0) this.work.emit('now');
  }

  onWork(listener: WorkListener): () => void {
    return this.work.subscribe(listener);
  }

  /** Batches are written synchronously here: none is ever under way when this is called. */
  async attachLocalWorker(worker: LocalWorker | null): Promise<void> {
    for (const writer of this.writers) writer.attach(worker);
  }

  async nextDueAt(): Promise<number | null> {
    const due = this.db.get<{ t: number | null }>(
      "SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE status = 'pending' AND kind <> 'cli'",
    )?.t;
    const lease = this.db.get<{ t: number | null }>(
      "SELECT MIN(lease_until) AS t FROM deliveries WHERE status = 'sending' AND kind <> 'cli'",
    )?.t;
    if (due == null) return lease ?? null;
    return lease == null ? due : Math.min(due, lease);
  }

  private claimInTransaction(workerId: string, limit: number, leaseMs: number, now: number): ClaimedDelivery[] {
    const { lease, cancel } = pickDue(this.db, now, limit, this.limits);
    // Disabled since the delivery was created: it ends here instead of being sent.
    if (cancel.length > 0) this.db.run(CANCEL, now, JSON.stringify(cancel));
    return this.lease(workerId, lease, now + leaseMs, now);
  }

  /** Leases `lease` (ids, in this order) to the worker until `leaseUntil`, and reads what each needs. */
  private lease(workerId: string, lease: string[], leaseUntil: number, now: number): ClaimedDelivery[] {
    if (lease.length === 0) return [];
    const order = new Map(lease.map((id, i) => [id, i]));
    const rows = this.db
      .all<DueRow>(SELECT_PICKED, JSON.stringify(lease))
      .sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    const endpoints = this.loadTargets(rows, 'endpoint_id', SELECT_ENDPOINTS, toEndpoint);
    const destinations = this.loadTargets(rows, 'destination_id', SELECT_DESTINATIONS, toDestination);
    const connections = this.loadTargets(rows, 'connection_id', SELECT_CONNECTIONS, toConnection);
    const claimed = rows.map((row) => {
      const item = toClaimed(row, { endpoints, destinations, connections });
      item.delivery.status = 'sending';
      item.delivery.updatedAt = now;
      return item;
    });
    this.db.run(LEASE, workerId, leaseUntil, now, JSON.stringify(lease));
    return claimed;
  }

  /**
   * The endpoints (or destinations) the rows point at, by id, read once each: deliveries to one
   * target share its (read-only) object. No query when no row points at one.
   */
  private loadTargets<R extends { id: string }, T extends { id: string }>(
    rows: DueRow[],
    column: 'endpoint_id' | 'destination_id' | 'connection_id',
    sql: string,
    convert: (row: R) => T,
  ): Map<string, T> {
    const ids = new Set<string>();
    for (const row of rows) if (row[column] !== null) ids.add(row[column]);
    if (ids.size === 0) return new Map();
    const found = this.db.all<R>(sql, JSON.stringify([...ids])).map(convert);
    return new Map(found.map((t) => [t.id, t]));
  }

  /**
   * Returns whether some delivery was rescheduled (new work for the engine's timer), and the
   * deliveries handed off (with `handOff`).
   */
  private recordInTransaction(
    workerId: string,
    outcomes: DeliveryOutcome[],
    now: number,
    handOff: RecordHandOff | undefined,
  ): { rescheduled: boolean; handed: ClaimedDelivery[] } {
    // Before the outcomes settle: the live leases as a claim would have counted them, and those of them this batch ends.
    const before = handOff && {
      live: readLiveLeases(this.db, now, this.limits).live,
      ending: this.db.all<{ target: string; app_id: string | null; n: number }>(
        ENDING,
        JSON.stringify(outcomes.map((o) => o.attempt.deliveryId)),
        workerId,
        now,
      ),
    };
    const insertAttempt = this.db.stmt(INSERT_ATTEMPT);
    const insertAttemptIfDelivery = this.db.stmt(INSERT_ATTEMPT_IF_DELIVERY);
    const settle = this.db.stmt(SETTLE);
    let rescheduled = false;
    for (const outcome of outcomes) {
      const a = outcome.attempt;
      const { changes } = settle.run(outcome.status, outcome.nextAttemptAt, now, a.deliveryId, workerId);
      // Settled: the delivery exists, so its attempt needs no check that it does.
      if (changes > 0) insertAttempt.run(...attemptParams(a));
      else {
        // The lease moved to another worker (or the delivery is gone): the attempt is history only.
        insertAttemptIfDelivery.run(...attemptParams(a), a.deliveryId);
        continue;
      }
      if (outcome.disableEndpoint && a.kind !== 'event') {
        this.db.run('UPDATE endpoints SET disabled = 1, updated_at = ? WHERE id = ?', now, a.endpointId);
      }
      if (outcome.status === 'pending' && outcome.nextAttemptAt !== null) rescheduled = true;
    }
    const handed = before && handOff ? this.handOff(workerId, before.live, before.ending, handOff, now) : [];
    return { rescheduled, handed };
  }

  /**
   * The hand-off at record, after the batch settled: each target whose live leases it ended takes
   * as many of its next due deliveries as `refillsAtRecord` allows, leased to the worker.
   */
  private handOff(
    workerId: string,
    live: Map<string, number>,
    ending: { target: string; app_id: string | null; n: number }[],
    handOff: RecordHandOff,
    now: number,
  ): ClaimedDelivery[] {
    if (ending.length === 0) return [];
    const state = new Map(
      this.db
        .all<{ id: string; lim: number | null; ordered: number; disabled: number }>(TARGET_STATE, {
          ids: JSON.stringify(ending.map((e) => e.target)),
        })
        .map((t) => [t.id, t]),
    );
    const freed: FreedTarget[] = ending.map((e) => {
      const target = state.get(e.target);
      return {
        target: e.target,
        limit: target?.lim ?? this.limits.endpoint,
        application: e.app_id === null ? null : { id: e.app_id, limit: this.limits.application },
        ended: e.n,
        refillable: target !== undefined && !target.ordered && !target.disabled,
      };
    });
    const next = this.db.stmt(NEXT_DUE);
    const lease: string[] = [];
    for (const [target, n] of refillsAtRecord(freed, live)) {
      for (const row of next.all(target, now, n) as { id: string }[]) lease.push(row.id);
    }
    return this.lease(workerId, lease, now + handOff.leaseMs, now);
  }
}

/**
 * The INSERT_ATTEMPT parameters, in column order, of an attempt of any kind: its own kind's pointer columns, null for
 * the other kind's. Built field by field: the same object built by spreading the attempt over a
 * constant of nulls raised hookd's peak RSS on the SQLite bench from 153 to 177–200 MiB (measured).
 */
function attemptParams(a: AttemptRecord): unknown[] {
  const message = a.kind === 'event' ? null : a;
  const event = a.kind === 'event' ? a : null;
  return [
    a.id,
    a.deliveryId,
    a.kind ?? 'message',
    message?.appId ?? null,
    message?.msgId ?? null,
    message?.endpointId ?? null,
    event?.requestId ?? null,
    event?.destinationId ?? null,
    a.url,
    a.status,
    a.responseStatusCode,
    a.response,
    a.responseDurationMs,
    JSON.stringify(a.requestHeaders),
    a.trigger,
    a.createdAt,
  ];
}
