import { payloadExpiresAt } from '../retention-fields.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { type Endpoint, type Message, TriggerType } from '../../core/types.js';
import { type AppEndpoints, eventKey, fanoutTargets } from '../endpoint-filter.js';
import type { LocalWorker, MessageInput } from '../store.js';
import type { WorkSignal } from '../work-signal.js';
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
import { notifyIfAny, type WorkPayloads } from './work-notify.js';
import { DEFAULT_FAIR_LIMITS, type FairLimits, limitOf, type LiveLeases, mayHandOff } from '../fair-share.js';
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

/** What one batch statement wrote: the results by input, and how many deliveries it left for a claim. */
interface Written {
  results: Result[];
  pending: number;
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
/**
 * With a local worker, batches take turns at the claim gate (their hand-offs must), so a second
 * batch in flight only waits there, cut smaller than it would have grown meanwhile: one at a time,
 * holding all that queued up while the last one wrote.
 */
const MAX_BATCHES_HANDING_OFF = 1;

/*
 * Each application ref (id or uid) that exists, and its whole endpoints (a delivery handed to the
 * local worker needs the URL, headers and secrets); an application without endpoints is one row
 * with a null endpoint. The id wins over another application's equal uid, as in applications.get.
 * With a time ($2, when the batch may hand deliveries over), each endpoint's live leases then
 * (store/fair-share.ts; an application's are the sum of its endpoints'), read from the lease index in the same round trip.
 */
const LOAD_ENDPOINTS = named(
  'load-endpoints',
  `WITH live AS (
    SELECT endpoint_id, count(*) AS n FROM deliveries
    WHERE $2::bigint IS NOT NULL AND status = 'sending' AND kind <> 'cli' AND lease_until > $2
    GROUP BY endpoint_id
  )
SELECT r.ref, a.id AS app_id, row_to_json(e) AS endpoint, COALESCE(live.n, 0) AS live
  FROM unnest($1::text[]) AS r(ref)
  CROSS JOIN LATERAL (SELECT COALESCE(
    (SELECT id FROM applications WHERE id = r.ref), (SELECT id FROM applications WHERE uid = r.ref)) AS id) a
  LEFT JOIN endpoints e ON e.app_id = a.id
  LEFT JOIN live ON live.endpoint_id = e.id
  WHERE a.id IS NOT NULL`,
);

/*
 * The whole batch in one statement, its own transaction: every message and every delivery,
 * multi-row from parallel arrays. A message whose eventId is taken (by a commit of another process
 * since we looked, or long ago) is skipped by ON CONFLICT, and so are its deliveries; the caller
 * then reads the earlier message. Deliveries handed to the local worker are inserted already leased
 * to it; NOTIFY goes out with the commit when any delivery was left pending for a claim.
 */
const WRITE = named(
  'write',
  `WITH new_messages AS (
    INSERT INTO messages (id, app_id, event_type, event_id, channels, payload, created_at, payload_expires_at,
      traceparent)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::bigint[],
      $17::bigint[], $18::text[])
    ON CONFLICT (app_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
    RETURNING id
  ),
  new_deliveries AS (
    INSERT INTO deliveries (id, app_id, msg_id, endpoint_id, status, trigger, attempt_count, next_attempt_at,
      lease_owner, lease_until, created_at, updated_at)
    SELECT x.id, x.app_id, x.msg_id, x.endpoint_id, x.status, 0, 0,
      CASE WHEN x.status = 'canceled' THEN NULL ELSE x.at END, x.lease_owner, x.lease_until, x.at, x.at
    FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::bigint[])
      AS x(id, app_id, msg_id, endpoint_id, status, lease_owner, lease_until, at)
    WHERE x.msg_id IN (SELECT id FROM new_messages)
    RETURNING status
  ),
  new_pending AS (SELECT 1 FROM new_deliveries WHERE status = 'pending')
SELECT ARRAY(SELECT id FROM new_messages) AS inserted, (SELECT count(*) FROM new_pending) AS pending,
  ${notifyIfAny('new_pending', '$16')} AS notified`,
);

const SELECT_BY_EVENT_IDS = `SELECT * FROM messages
  WHERE (app_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`;

/**
 * Writes messages with their fan-out in group commits, as `SqliteMessageWriter` does: calls that
 * arrive during one event-loop turn are queued and written together on the next `setImmediate`,
 * and each caller's promise settles after that commit.
 *
 * A batch costs two round trips whatever its size: one read (the applications and their
 * endpoints) to plan every input, then one write statement. A bad input (unknown application or
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
    if (this.flushScheduled || this.running.size >= this.maxInFlight()) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      // Spread what is queued over the free slots, in batches of at least MIN_SPLIT.
      while (this.queue.length > 0 && this.running.size < this.maxInFlight()) {
        const free = this.maxInFlight() - this.running.size;
        this.startBatch(Math.max(MIN_SPLIT, Math.ceil(this.queue.length / free)));
      }
    });
  }

  private maxInFlight(): number {
    return this.worker === null ? MAX_BATCHES_IN_FLIGHT : MAX_BATCHES_HANDING_OFF;
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
    const { results, pending } = await this.writeOrRetry(batch);
    if (pending > 0) this.work.emit('now');
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
      if (batch.length === 1 || !isInputError(error)) return { results: batch.map(() => ({ error })), pending: 0 };
      const results: Result[] = [];
      let pending = 0;
      for (const item of batch) {
        try {
          const one = await this.write([item]);
          results.push(one.results[0]);
          pending += one.pending;
        } catch (itemError) {
          results.push({ error: itemError });
        }
      }
      return { results, pending };
    }
  }

  /**
   * Plans every input by reads, writes the batch in one statement, then (committed: nothing past
   * this point throws) hands the local worker its deliveries and answers the inputs whose eventId
   * was taken. The worker's room is reserved from the plan to the hand-off.
   */
  private write(batch: Queued[]): Promise<Written> {
    const worker = this.worker;
    // Hand-offs read the live leases, then lease in the write: one batch (or claim) at a time. A
    // batch waits its turn rather than write without handing off, which left its deliveries to a
    // claim (bench, one process: 3,151 → 3,873 msg/s, 202 → delivered p50 9.1 → 0.16 ms, load ~2).
    if (worker === null) return this.writeWith(batch, null);
    return this.gate.run(() => this.writeWith(batch, worker));
  }

  private async writeWith(batch: Queued[], worker: LocalWorker | null): Promise<Written> {
    const now = Math.max(...batch.map((q) => q.now));
    const { apps, live } = await this.loadEndpoints(
      [...new Set(batch.map((q) => q.input.appRef))],
      worker ? now : null,
    );
    const plan = this.plan(batch, apps);
    const { results, rows, lookups, fanout } = plan;
    if (rows.size === 0) return this.settle(batch, plan, 0);
    // A disabled endpoint's delivery is written canceled (send-example): never handed to the worker.
    const due = fanout.filter((d) => d.row.status === 'pending');
    const leased = worker === null || due.length === 0 ? [] : this.chooseHandOffs(due, worker, live);
    const handed = leased.length;
    for (const { row, msg } of leased) {
      Object.assign(row, {
        status: 'sending',
        lease_owner: worker!.workerId,
        lease_until: msg.created_at + worker!.leaseMs,
      });
    }
    let written: { inserted: string[]; pending: number };
    try {
      written = (await this.db.get<{ inserted: string[]; pending: number }>(WRITE, [
        ...messageColumns([...rows.values()]),
        ...deliveryColumns(fanout),
        this.notifyPayload.now,
        [...rows.values()].map((r) => r.payload_expires_at ?? null),
        [...rows.values()].map((r) => r.traceparent ?? null),
      ]))!;
    } catch (error) {
      worker?.unreserve(handed);
      throw error;
    }
    const inserted = new Set(written.inserted);
    for (const [i, row] of rows) {
      if (inserted.has(row.id)) results[i] = { ok: { message: toMessage(row), created: true } };
      else lookups.set(i, row.app_id); // its eventId was taken: skipped by ON CONFLICT
    }
    if (worker !== null) {
      const taken = leased.filter((d) => inserted.has(d.msg.id));
      worker.unreserve(handed - taken.length);
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
    return this.settle(batch, plan, written.pending);
  }

  /**
   * The deliveries to hand the worker: as many as it has room for and each endpoint's and
   * application's limit allow,
   * given its live leases in the store (`live`: store/fair-share.ts); their places stay reserved,
   * the rest are given back.
   */
  private chooseHandOffs(due: NewDelivery[], worker: LocalWorker, live: LiveLeases): NewDelivery[] {
    const room = worker.reserve(due.length);
    const leased: NewDelivery[] = [];
    for (const d of due) {
      if (leased.length === room) break;
      const { endpoint } = d;
      const application = { id: endpoint.appId, limit: this.limits.application };
      if (mayHandOff(live, endpoint.id, limitOf(endpoint, this.limits.endpoint), application, endpoint.ordered)) {
        leased.push(d);
      }
    }
    worker.unreserve(room - leased.length);
    return leased;
  }

  /** Answers the inputs that repeat an eventId, from the messages that have it; a failed read fails only them. */
  private async settle(batch: Queued[], { results, lookups, copies }: BatchPlan, pending: number): Promise<Written> {
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
    return { results: results as Result[], pending };
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
  private async loadEndpoints(
    appRefs: string[],
    leasesAt: number | null,
  ): Promise<{ apps: Map<string, AppEndpoints>; live: LiveLeases }> {
    const rows = await this.db.all<{ ref: string; app_id: string; endpoint: EndpointRow | null; live: number }>(
      LOAD_ENDPOINTS,
      [appRefs, leasesAt],
    );
    const apps = new Map<string, AppEndpoints>();
    const live: LiveLeases = new Map();
    for (const r of rows) {
      let app = apps.get(r.ref);
      if (!app) {
        app = { appId: r.app_id, endpoints: [] };
        apps.set(r.ref, app);
      }
      if (r.endpoint !== null) {
        app.endpoints.push(toEndpoint(r.endpoint));
        // An application named twice (by id and uid) has its rows twice: each endpoint counts once.
        if (r.live > 0 && !live.has(r.endpoint.id)) {
          live.set(r.endpoint.id, r.live);
          live.set(r.app_id, (live.get(r.app_id) ?? 0) + r.live);
        }
      }
    }
    return { apps, live };
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

/** Parameters $8..$15 of WRITE: the deliveries as parallel arrays. */
function deliveryColumns(deliveries: NewDelivery[]): unknown[][] {
  const rows = deliveries.map((d) => d.row);
  return [
    rows.map((r) => r.id),
    rows.map((r) => r.app_id),
    rows.map((r) => r.msg_id),
    rows.map((r) => r.endpoint_id),
    rows.map((r) => r.status),
    rows.map((r) => r.lease_owner),
    rows.map((r) => r.lease_until),
    rows.map((r) => r.created_at),
  ];
}
