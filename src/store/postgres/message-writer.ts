import { payloadExpiresAt } from '../retention-fields.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { type Endpoint, type Message, TriggerType } from '../../core/types.js';
import { type AppEndpoints, eventKey, fanoutTargets } from '../endpoint-filter.js';
import type { LocalWorker, MessageInput } from '../store.js';
import { addLeft, type LeftPending, NONE_LEFT, pendingDue, type WorkSignal } from '../work-signal.js';
import { isForeignKeyViolation, isInputError, named, type PgDb, isTransient } from './database.js';
import {
  type DeliveryRow,
  type EndpointRow,
  type MessageRow,
  newDeliveryRow,
  toDelivery,
  toEndpoint,
  toJsonOrNull,
  toMessage,
} from '../rows.js';
import { notifyHeldUntil, notifyPending, type WorkPayloads } from './work-notify.js';
import { DEFAULT_FAIR_LIMITS, type FairLimits, limitOf } from '../fair-share.js';
import { heldUntilSql } from '../crud/target-health.js';
import type { ClaimGate } from './fair-claim.js';

type Created = { message: Message; created: boolean };
type Result = { ok: Created } | { error: unknown };

interface Queued {
  input: MessageInput;
  now: number;
  resolve: (result: Created) => void;
  reject: (error: unknown) => void;
}

/** One delivery of a new message, due when the message was created; leased to the local worker when handed. */
interface NewDelivery {
  row: DeliveryRow;
  msg: MessageRow;
  endpoint: Endpoint;
}

/** What to do with each input of a batch, decided before anything is written. */
interface BatchPlan {
  /** Known so far: inputs refused by the plan. The rest are filled in after the write. */
  results: (Result | undefined)[];
  /** The messages to insert, by input index. */
  rows: Map<number, MessageRow>;
  fanout: NewDelivery[];
  /** Inputs to answer with the message that already has their eventId, if there is one: index → app id. */
  lookups: Map<number, string>;
  /** Inputs that repeat the eventId of an earlier input of the batch: index → that input's index. */
  copies: Map<number, number>;
}

/** What one batch statement wrote: the results by input, and the deliveries it left for a claim. */
interface Written {
  results: Result[];
  left: LeftPending;
}

/** At most this many messages per statement; a larger burst is split over several. */
const MAX_BATCH_MESSAGES = 1_000;
/**
 * Batches written at the same time, each on its own pooled connection: while one commits, the
 * next fills, and a burst is spread over both (in batches of at least MIN_SPLIT). Measured at 64
 * concurrent callers: 1, 2 and 3-4 in flight were within noise of each other, 2 with a split of 32
 * slightly ahead; more only makes batches small (a commit each).
 */
const MAX_BATCHES_IN_FLIGHT = 2;
const MIN_SPLIT = 32;

/*
 * Each application ref (id or uid) that exists, and its whole endpoints (a delivery handed to the
 * local worker needs the URL, headers and secrets); an application without endpoints is one row
 * with a null endpoint. The id wins over another application's equal uid, as in applications.get.
 * Read before the batch takes its turn at the claim gate: it plans the batch, and the hand-off
 * counts the live leases in the write itself.
 */
export const LOAD_ENDPOINTS = named(
  'load-endpoints',
  `SELECT r.ref, a.id AS app_id, row_to_json(e) AS endpoint
  FROM unnest($1::text[]) AS r(ref)
  CROSS JOIN LATERAL (SELECT COALESCE(
    (SELECT id FROM applications WHERE id = r.ref), (SELECT id FROM applications WHERE uid = r.ref)) AS id) a
  LEFT JOIN endpoints e ON e.app_id = a.id
  WHERE a.id IS NOT NULL`,
);

/** The stored probe or pause end of a batch's endpoints that may not be sent to before it ($22: now). */
const held = heldUntilSql('$22::bigint');

/*
 * The whole batch in one statement, its own transaction: every message and every delivery,
 * multi-row from parallel arrays. A message whose eventId is taken (by a commit of another process
 * since we looked, or long ago) is skipped by ON CONFLICT, and so are its deliveries; the caller
 * then reads the earlier message. NOTIFY goes out with the commit when any delivery was left
 * pending for a claim: $23 (`held`) when the fair shares hold back every one of them (an
 * endpoint or application at its limit; not an ordered endpoint's, nor one the room left out),
 * else $15 (`now`).
 *
 * The hand-off is decided here too, as the received requests' is (inbound.ts): the live leases of
 * the batch's applications are counted from the lease index as a claim counts them
 * (fair-claim.ts), and the deliveries go to the local worker in fan-out order as `mayHandOff`
 * (store/fair-share.ts) takes them: those that may be handed at all ($13, the endpoint's limit:
 * null for an ordered endpoint's or a canceled delivery), whose endpoint stays under its limit,
 * then whose application stays under its own ($21), the first $20 of them (the worker's room; 0
 * without one), leased to $18 until their creation plus $19 ms. A delivery the endpoint's limit
 * refuses takes nothing of its application's, and one the application's refuses none of the
 * room, as in `mayHandOff`. Counting and leasing in one statement keeps the lease count and the
 * leases together: the claim gate is held for this one round trip only, and the endpoints' read
 * that plans the next batch runs meanwhile. A delivery to an endpoint that may not be sent to
 * before a stored time (`hold`: its open circuit's probe, its pause's end) is created due then,
 * neither handed off nor counted pending; `held_until` is the earliest such time, which the
 * engines' timers are told ($24, the `later` payload: `WorkListener`), as on SQLite (`TargetHolds`).
 */
export const WRITE = named(
  'write',
  `WITH new_messages AS (
    INSERT INTO messages (id, app_id, event_type, event_id, channels, payload, created_at, payload_expires_at,
      traceparent)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::bigint[],
      $16::bigint[], $17::text[])
    ON CONFLICT (app_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
    RETURNING id
  ),
  x AS (
    SELECT x.* FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int[], $14::bigint[])
      WITH ORDINALITY AS x(id, app_id, msg_id, endpoint_id, status, lim, at, ord)
    WHERE x.msg_id IN (SELECT id FROM new_messages)
  ),
  hold AS (
    SELECT h.target_id, ${held.until} AS until FROM target_health h
    WHERE h.target_id IN (SELECT endpoint_id FROM x WHERE status = 'pending') AND ${held.isHeld}
    FOR SHARE OF h
  ),
  live AS (
    SELECT endpoint_id, app_id, count(*) AS n FROM deliveries
    WHERE status = 'sending' AND kind <> 'cli' AND lease_until > $22::bigint
      AND endpoint_id IS NOT NULL AND app_id IN (SELECT app_id FROM x)
    GROUP BY endpoint_id, app_id
  ),
  live_apps AS (SELECT app_id, sum(n) AS n FROM live GROUP BY app_id),
  fitting_endpoint AS (
    SELECT x.*, hold.until AS held_until, x.lim IS NOT NULL AND hold.until IS NULL
      AND COALESCE(live.n, 0) + row_number() OVER (PARTITION BY x.endpoint_id, x.lim IS NOT NULL ORDER BY x.ord) <= x.lim
      AS fits_endpoint
    FROM x LEFT JOIN live ON live.endpoint_id = x.endpoint_id
      LEFT JOIN hold ON hold.target_id = x.endpoint_id AND x.status = 'pending'
  ),
  fitting AS (
    SELECT f.*, f.fits_endpoint
      AND COALESCE(live_apps.n, 0) + row_number() OVER (PARTITION BY f.app_id, f.fits_endpoint ORDER BY f.ord) <= $21::int
      AS fits
    FROM fitting_endpoint f LEFT JOIN live_apps ON live_apps.app_id = f.app_id
  ),
  chosen AS (
    SELECT fitting.*, fits AND row_number() OVER (PARTITION BY fits ORDER BY ord) <= $20::int AS leased FROM fitting
  ),
  new_deliveries AS (
    INSERT INTO deliveries (id, app_id, msg_id, endpoint_id, status, trigger, attempt_count, next_attempt_at,
      lease_owner, lease_until, created_at, updated_at)
    SELECT id, app_id, msg_id, endpoint_id, CASE WHEN leased THEN 'sending' ELSE status END, 0, 0,
      CASE WHEN status = 'canceled' THEN NULL ELSE COALESCE(held_until, at) END, CASE WHEN leased THEN $18::text END,
      CASE WHEN leased THEN at + $19::bigint END, at, at
    FROM chosen
    RETURNING id, status
  ),
  new_pending AS (
    SELECT lim IS NOT NULL AND NOT fits AS held FROM chosen WHERE status = 'pending' AND NOT leased AND held_until IS NULL
  )
SELECT ARRAY(SELECT id FROM new_messages) AS inserted,
  ARRAY(SELECT id FROM new_deliveries WHERE status = 'sending') AS leased,
  (SELECT count(*) FROM new_pending) AS pending, (SELECT count(*) FROM new_pending WHERE held) AS held,
  ${notifyPending('new_pending', '$15', '$23')} AS notified, ${notifyHeldUntil('chosen', '$24')} AS notified_held,
  (SELECT min(held_until) FROM chosen) AS held_until`,
);

const SELECT_BY_EVENT_IDS = `SELECT * FROM messages
  WHERE (app_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`;

/**
 * Writes messages with their fan-out in group commits, as `SqliteMessageWriter` does: calls that
 * arrive during one event-loop turn are queued and written together on the next `setImmediate`,
 * and each caller's promise settles after that commit.
 *
 * A batch costs two round trips whatever its size: one read (the applications and their
 * endpoints) to plan every input, then one write statement, which with a local worker waits its
 * turn at the claim gate (two batches in flight: one plans while the other writes). A bad input (unknown application or
 * endpoint) is refused by the plan before anything is written, so the batch needs no SAVEPOINT
 * per input (measured: a transaction of 64 inputs with a SAVEPOINT and its own INSERTs per input
 * was 3-4x slower, four round trips per message); a constraint that no plan foresaw fails the
 * statement, and then each input is retried alone so that it fails alone.
 */
export class PgMessageWriter {
  private queue: Queued[] = [];
  private flushScheduled = false;
  private readonly running = new Set<Promise<void>>();
  private worker: LocalWorker | null = null;

  constructor(
    private readonly db: PgDb,
    private readonly work: WorkSignal,
    private readonly notifyPayload: WorkPayloads,
    /** Shared with the queue: this process's claims and hand-offs take turns. */
    private readonly gate: ClaimGate,
    /** The limits on live leases per endpoint (when it sets none) and per application (store/fair-share.ts). */
    private readonly limits: FairLimits = DEFAULT_FAIR_LIMITS,
  ) {}

  /**
   * With a worker attached, new deliveries are inserted leased to it (as many as it reserves room
   * for) and handed to it after the commit. Resolves when no batch under way still owes the
   * previous worker a hand-off.
   */
  async attach(worker: LocalWorker | null): Promise<void> {
    this.worker = worker;
    await Promise.all([...this.running]);
  }

  create(input: MessageInput, now: number): Promise<Created> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, now, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Writes everything queued and waits for every batch (`close()` calls it: no accepted call is dropped). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running.size > 0) {
      if (this.queue.length > 0) this.startBatch();
      await Promise.all([...this.running]);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.running.size >= MAX_BATCHES_IN_FLIGHT) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      // Spread what is queued over the free slots, in batches of at least MIN_SPLIT.
      while (this.queue.length > 0 && this.running.size < MAX_BATCHES_IN_FLIGHT) {
        const free = MAX_BATCHES_IN_FLIGHT - this.running.size;
        this.startBatch(Math.max(MIN_SPLIT, Math.ceil(this.queue.length / free)));
      }
    });
  }

  private startBatch(size = MAX_BATCH_MESSAGES): void {
    const batch = this.queue.splice(0, Math.min(size, MAX_BATCH_MESSAGES));
    if (batch.length === 0) return;
    const written = this.writeAndSettle(batch).finally(() => {
      this.running.delete(written);
      if (this.queue.length > 0) this.scheduleFlush();
    });
    this.running.add(written);
  }

  /** Never rejects: every outcome goes to its caller's promise. */
  private async writeAndSettle(batch: Queued[]): Promise<void> {
    const { results, left } = await this.writeOrRetry(batch);
    this.work.emit(pendingDue(left));
    for (const [i, r] of results.entries()) {
      if ('ok' in r) batch[i].resolve(r.ok);
      else batch[i].reject(r.error);
    }
  }

  private async writeOrRetry(batch: Queued[]): Promise<Written> {
    try {
      try {
        return await this.write(batch);
      } catch (error) {
        // An application or endpoint deleted between our read and our write: planned again, the
        // batch leaves it out (or refuses the inputs that named it). A deadlock or serialization
        // failure (two batches taking the same eventIds in another order) passes on a retry.
        if (!isForeignKeyViolation(error) && !isTransient(error)) throw error;
        return await this.write(batch);
      }
    } catch (error) {
      // Nothing of the batch was written. Retry input by input only for an error that one input
      // can cause; a lost connection or a full disk would hit each of them the same way.
      if (batch.length === 1 || !isInputError(error)) return { results: batch.map(() => ({ error })), left: NONE_LEFT };
      const results: Result[] = [];
      let left = NONE_LEFT;
      for (const item of batch) {
        try {
          const one = await this.write([item]);
          results.push(one.results[0]);
          left = addLeft(left, one.left);
        } catch (itemError) {
          results.push({ error: itemError });
        }
      }
      return { results, left };
    }
  }

  /**
   * Plans every input by reads, writes the batch in one statement, then (committed: nothing past
   * this point throws) hands the local worker its deliveries and answers the inputs whose eventId
   * was taken.
   */
  private async write(batch: Queued[]): Promise<Written> {
    const worker = this.worker;
    const now = Math.max(...batch.map((q) => q.now));
    const plan = this.plan(batch, await this.loadEndpoints([...new Set(batch.map((q) => q.input.appRef))]));
    if (plan.rows.size === 0) return this.settle(batch, plan, NONE_LEFT);
    // The hand-off counts the live leases and leases in the write: one batch (or claim) at a time,
    // each seeing what the one before it leased. A batch waits its turn rather than write without
    // handing off, which left its deliveries to a claim (bench, one process: 3,151 → 3,873 msg/s,
    // 202 → delivered p50 9.1 → 0.16 ms, load ~2). Only the write holds the gate: the next batch
    // plans meanwhile (held over both round trips, the gate was the send path's bottleneck).
    const written =
      worker === null
        ? await this.writePlan(plan, now, null)
        : await this.gate.run(() => this.writePlan(plan, now, worker));
    const { results, rows, lookups } = plan;
    for (const [i, row] of rows) {
      if (written.inserted.has(row.id)) results[i] = { ok: { message: toMessage(row), created: true } };
      else lookups.set(i, row.app_id); // its eventId was taken: skipped by ON CONFLICT
    }
    return this.settle(batch, plan, written.left);
  }

  /**
   * The write statement, with the worker's room reserved for the deliveries that may be handed to
   * it (the statement decides which: see WRITE) and, after the commit, the leased ones handed to
   * it and the rest of the room given back. With a worker, called holding the claim gate.
   */
  private async writePlan(
    { rows, fanout }: BatchPlan,
    now: number,
    worker: LocalWorker | null,
  ): Promise<{ inserted: Set<string>; left: LeftPending }> {
    // A disabled endpoint's delivery is written canceled (send-example), and an ordered
    // endpoint's is left to a claim: neither is handed to the worker.
    const limits = fanout.map(({ row, endpoint }) =>
      row.status !== 'pending' || endpoint.ordered ? null : limitOf(endpoint, this.limits.endpoint),
    );
    const wanted = limits.filter((l) => l !== null).length;
    const room = worker === null || wanted === 0 ? 0 : worker.reserve(wanted);
    type Written = { inserted: string[]; leased: string[]; held_until: number | string | null } & LeftPending;
    let written: Written;
    try {
      written = (await this.db.get<Written>(WRITE, [
        ...messageColumns([...rows.values()]),
        ...deliveryColumns(fanout),
        limits,
        fanout.map((d) => d.row.created_at),
        this.notifyPayload.now,
        [...rows.values()].map((r) => r.payload_expires_at ?? null),
        [...rows.values()].map((r) => r.traceparent ?? null),
        worker?.workerId ?? null,
        worker?.leaseMs ?? 0,
        room,
        this.limits.application,
        now,
        this.notifyPayload.held,
        this.notifyPayload.later,
      ]))!;
    } catch (error) {
      worker?.unreserve(room);
      throw error;
    }
    if (worker !== null) {
      const leased = new Set(written.leased);
      worker.unreserve(room - leased.size);
      const taken = fanout.filter((d) => leased.has(d.row.id));
      for (const { row } of taken) {
        Object.assign(row, {
          status: 'sending',
          lease_owner: worker.workerId,
          lease_until: row.created_at + worker.leaseMs,
        });
      }
      if (taken.length > 0)
        worker.take(
          taken.map((d) => ({
            kind: 'message' as const,
            delivery: toDelivery(d.row),
            message: toMessage(d.msg),
            endpoint: d.endpoint,
          })),
        );
    }
    if (written.held_until !== null) this.work.emit('later', Number(written.held_until));
    return { inserted: new Set(written.inserted), left: { pending: written.pending, held: written.held } };
  }

  /** Answers the inputs that repeat an eventId, from the messages that have it; a failed read fails only them. */
  private async settle(batch: Queued[], { results, lookups, copies }: BatchPlan, left: LeftPending): Promise<Written> {
    if (lookups.size > 0) {
      let existing = new Map<string, Message>();
      let failure: unknown = null;
      try {
        existing = await this.findByEventIds(
          [...lookups].map(([i, appId]) => ({ appId, eventId: batch[i].input.eventId! })),
        );
      } catch (error) {
        failure = error;
      }
      for (const [i, appId] of lookups) {
        const message = existing.get(eventKey(appId, batch[i].input)!);
        if (message) results[i] = { ok: { message, created: false } };
        // Taken at insert time, gone now (deleted meanwhile): the caller may try again.
        else
          results[i] ??= {
            error: failure ?? new ConflictError('a message with this eventId was being written; retry'),
          };
      }
    }
    for (const [i, first] of copies) {
      const r = results[first]!;
      results[i] = 'ok' in r ? { ok: { message: r.ok.message, created: false } } : r;
    }
    return { results: results as Result[], left };
  }

  /** Reads nothing more: decides each input from its application's endpoints. */
  private plan(batch: Queued[], apps: Map<string, AppEndpoints>): BatchPlan {
    const plan: BatchPlan = {
      results: new Array(batch.length),
      rows: new Map(),
      fanout: [],
      lookups: new Map(),
      copies: new Map(),
    };
    /** The input that writes each (app, eventId) of this batch. */
    const writerOf = new Map<string, number>();
    for (const [i, { input, now }] of batch.entries()) {
      const app = apps.get(input.appRef);
      if (app === undefined) {
        plan.results[i] = { error: new NotFoundError('application') };
        continue;
      }
      const key = eventKey(app.appId, input);
      if (key !== null && writerOf.has(key)) {
        plan.copies.set(i, writerOf.get(key)!);
        continue;
      }
      let targets: Endpoint[];
      try {
        targets = fanoutTargets(input, app.endpoints);
      } catch (error) {
        plan.results[i] = { error };
        if (key !== null) plan.lookups.set(i, app.appId); // as on SQLite, an earlier message with this eventId wins
        continue;
      }
      if (key !== null) writerOf.set(key, i);
      const msg: MessageRow = {
        id: newId('msg', now),
        app_id: app.appId,
        event_type: input.eventType,
        event_id: input.eventId ?? null,
        channels: input.channels ?? null,
        payload: input.payload,
        created_at: now,
        payload_expires_at: payloadExpiresAt(input, now),
        traceparent: input.traceparent ?? null,
      };
      plan.rows.set(i, msg);
      for (const endpoint of targets) {
        plan.fanout.push({
          row: newDeliveryRow(msg.app_id, msg.id, endpoint, TriggerType.Scheduled, now),
          msg,
          endpoint,
        });
      }
    }
    return plan;
  }

  /** Each application ref that exists, with its id and endpoints. */
  private async loadEndpoints(appRefs: string[]): Promise<Map<string, AppEndpoints>> {
    const rows = await this.db.all<{ ref: string; app_id: string; endpoint: EndpointRow | null }>(LOAD_ENDPOINTS, [
      appRefs,
    ]);
    const byRef = new Map<string, AppEndpoints>();
    for (const r of rows) {
      let app = byRef.get(r.ref);
      if (!app) {
        app = { appId: r.app_id, endpoints: [] };
        byRef.set(r.ref, app);
      }
      if (r.endpoint !== null) app.endpoints.push(toEndpoint(r.endpoint));
    }
    return byRef;
  }

  private async findByEventIds(keys: { appId: string; eventId: string }[]): Promise<Map<string, Message>> {
    const rows = await this.db.all<MessageRow>(SELECT_BY_EVENT_IDS, [
      keys.map((k) => k.appId),
      keys.map((k) => k.eventId),
    ]);
    return new Map(rows.map((r) => [eventKey(r.app_id, { eventId: r.event_id })!, toMessage(r)]));
  }
}

/** Parameters $1..$7 of WRITE: the messages as parallel arrays. */
function messageColumns(rows: MessageRow[]): unknown[][] {
  return [
    rows.map((r) => r.id),
    rows.map((r) => r.app_id),
    rows.map((r) => r.event_type),
    rows.map((r) => r.event_id),
    rows.map((r) => toJsonOrNull(r.channels)),
    rows.map((r) => r.payload),
    rows.map((r) => r.created_at),
  ];
}

/** Parameters $8..$12 of WRITE: the deliveries as parallel arrays (their limits and times follow). */
function deliveryColumns(deliveries: NewDelivery[]): unknown[][] {
  const rows = deliveries.map((d) => d.row);
  return [
    rows.map((r) => r.id),
    rows.map((r) => r.app_id),
    rows.map((r) => r.msg_id),
    rows.map((r) => r.endpoint_id),
    rows.map((r) => r.status),
  ];
}
