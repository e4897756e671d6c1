import { ConflictError, NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Message } from '../../core/types.js';
import { endpointAccepts, type EndpointFilter } from '../endpoint-filter.js';
import type { MessageInput } from '../store.js';
import type { WorkSignal } from '../work-signal.js';
import { isForeignKeyViolation, isInputError, type PgDb, isTransient } from './database.js';
import { type MessageRow, toJsonOrNull, toMessage } from '../rows.js';
import { notifyIfAny } from './work-notify.js';

type Created = { message: Message; created: boolean };
type Result = { ok: Created } | { error: unknown };

interface Queued {
  input: MessageInput;
  now: number;
  resolve: (result: Created) => void;
  reject: (error: unknown) => void;
}

type FanoutEndpoint = EndpointFilter & { id: string; uid: string | null };

/** One delivery of a new message, due when the message was created. */
interface NewDelivery {
  id: string;
  msg: MessageRow;
  endpointId: string;
}

/** What to do with each input of a batch, decided before anything is written. */
interface BatchPlan {
  /** Known so far: inputs refused by the plan. The rest are filled in after the write. */
  results: (Result | undefined)[];
  /** The messages to insert, by input index. */
  rows: Map<number, MessageRow>;
  fanout: NewDelivery[];
  /** Inputs to answer with the message that already has their eventId, if there is one. */
  lookups: Set<number>;
  /** Inputs that repeat the eventId of an earlier input of the batch: index → that input's index. */
  copies: Map<number, number>;
}

/** What one batch statement wrote: the results by input, and how many deliveries it queued. */
interface Written {
  results: Result[];
  deliveries: number;
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

// The application exists and these are its endpoints (none: one row with a null endpoint id).
const LOAD_ENDPOINTS = `SELECT a.id AS app_id, e.id, e.uid, e.disabled, e.event_types, e.channels
  FROM applications a LEFT JOIN endpoints e ON e.app_id = a.id WHERE a.id = ANY($1::text[])`;

/*
 * The whole batch in one statement, its own transaction: every message and every delivery,
 * multi-row from parallel arrays. A message whose eventId is taken (by a commit of another process
 * since we looked, or long ago) is skipped by ON CONFLICT, and so are its deliveries; the caller
 * then reads the earlier message. NOTIFY goes out with the commit when any delivery was queued.
 */
const WRITE = `WITH new_messages AS (
    INSERT INTO messages (id, app_id, event_type, event_id, channels, payload, created_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::bigint[])
    ON CONFLICT (app_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
    RETURNING id
  ),
  new_deliveries AS (
    INSERT INTO deliveries (id, app_id, msg_id, endpoint_id, status, trigger, attempt_count, next_attempt_at,
      created_at, updated_at)
    SELECT x.id, x.app_id, x.msg_id, x.endpoint_id, 'pending', 0, 0, x.at, x.at, x.at
    FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[]) AS x(id, app_id, msg_id, endpoint_id, at)
    WHERE x.msg_id IN (SELECT id FROM new_messages)
    RETURNING 1
  )
SELECT ARRAY(SELECT id FROM new_messages) AS inserted, (SELECT count(*) FROM new_deliveries) AS deliveries,
  ${notifyIfAny('new_deliveries', '$13')} AS notified`;

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

  constructor(
    private readonly db: PgDb,
    private readonly work: WorkSignal,
    private readonly notifyPayload: string,
  ) {}

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
    const { results, deliveries } = await this.writeOrRetry(batch);
    if (deliveries > 0) this.work.emit();
    results.forEach((r, i) => ('ok' in r ? batch[i].resolve(r.ok) : batch[i].reject(r.error)));
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
      if (batch.length === 1 || !isInputError(error)) return { results: batch.map(() => ({ error })), deliveries: 0 };
      const results: Result[] = [];
      let deliveries = 0;
      for (const item of batch) {
        try {
          const one = await this.write([item]);
          results.push(one.results[0]);
          deliveries += one.deliveries;
        } catch (itemError) {
          results.push({ error: itemError });
        }
      }
      return { results, deliveries };
    }
  }

  /** Plans every input by reads, writes the batch in one statement, then answers the inputs whose eventId was taken. */
  private async write(batch: Queued[]): Promise<Written> {
    const plan = this.plan(batch, await this.loadEndpoints([...new Set(batch.map((q) => q.input.appId))]));
    const { results, rows, lookups } = plan;
    let deliveries = 0;
    if (rows.size > 0) {
      const written = (await this.db.get<{ inserted: string[]; deliveries: number }>(WRITE, [
        ...messageColumns([...rows.values()]),
        ...deliveryColumns(plan.fanout),
        this.notifyPayload,
      ]))!;
      deliveries = written.deliveries;
      const inserted = new Set(written.inserted);
      for (const [i, row] of rows) {
        if (inserted.has(row.id)) results[i] = { ok: { message: toMessage(row), created: true } };
        else lookups.add(i); // its eventId was taken: skipped by ON CONFLICT
      }
    }
    if (lookups.size > 0) {
      const existing = await this.findByEventIds([...lookups].map((i) => batch[i].input));
      for (const i of lookups) {
        const message = existing.get(eventKey(batch[i].input)!);
        if (message) results[i] = { ok: { message, created: false } };
        // Taken at insert time, gone now (deleted meanwhile): the caller may try again.
        else results[i] ??= { error: new ConflictError('a message with this eventId was being written; retry') };
      }
    }
    for (const [i, first] of plan.copies) {
      const r = results[first]!;
      results[i] = 'ok' in r ? { ok: { message: r.ok.message, created: false } } : r;
    }
    return { results: results as Result[], deliveries };
  }

  /** Reads nothing more: decides each input from its application's endpoints. */
  private plan(batch: Queued[], endpointsByApp: Map<string, FanoutEndpoint[]>): BatchPlan {
    const plan: BatchPlan = { results: new Array(batch.length), rows: new Map(), fanout: [], lookups: new Set(), copies: new Map() };
    /** The input that writes each (app, eventId) of this batch. */
    const writerOf = new Map<string, number>();
    batch.forEach(({ input, now }, i) => {
      const endpoints = endpointsByApp.get(input.appId);
      if (endpoints === undefined) return void (plan.results[i] = { error: new NotFoundError('application') });
      const key = eventKey(input);
      if (key !== null && writerOf.has(key)) return void plan.copies.set(i, writerOf.get(key)!);
      let targets: FanoutEndpoint[];
      try {
        targets = this.targetsOf(input, endpoints);
      } catch (error) {
        plan.results[i] = { error };
        if (key !== null) plan.lookups.add(i); // as on SQLite, an earlier message with this eventId wins
        return;
      }
      if (key !== null) writerOf.set(key, i);
      const row: MessageRow = {
        id: newId('msg', now),
        app_id: input.appId,
        event_type: input.eventType,
        event_id: input.eventId ?? null,
        channels: input.channels ?? null,
        payload: input.payload,
        created_at: now,
      };
      plan.rows.set(i, row);
      for (const endpoint of targets) plan.fanout.push({ id: newId('dlv', now), msg: row, endpointId: endpoint.id });
    });
    return plan;
  }

  /** The endpoints the message fans out to; `onlyEndpointId` (send-example): that one, whatever its filters. */
  private targetsOf(input: MessageInput, endpoints: FanoutEndpoint[]): FanoutEndpoint[] {
    const only = input.onlyEndpointId;
    if (only === undefined) {
      const message = { eventType: input.eventType, channels: input.channels ?? null };
      return endpoints.filter((e) => endpointAccepts(e, message));
    }
    const endpoint = endpoints.find((e) => e.id === only) ?? endpoints.find((e) => e.uid === only);
    if (!endpoint) throw new NotFoundError('endpoint');
    return [endpoint];
  }

  /** Each application's endpoints; an application that does not exist has no entry. */
  private async loadEndpoints(appIds: string[]): Promise<Map<string, FanoutEndpoint[]>> {
    const rows = await this.db.all<{
      app_id: string;
      id: string | null;
      uid: string | null;
      disabled: boolean;
      event_types: string[] | null;
      channels: string[] | null;
    }>(LOAD_ENDPOINTS, [appIds]);
    const byApp = new Map<string, FanoutEndpoint[]>();
    for (const r of rows) {
      let list = byApp.get(r.app_id);
      if (!list) byApp.set(r.app_id, (list = []));
      if (r.id !== null) list.push({ id: r.id, uid: r.uid, disabled: r.disabled, eventTypes: r.event_types, channels: r.channels });
    }
    return byApp;
  }

  private async findByEventIds(inputs: MessageInput[]): Promise<Map<string, Message>> {
    const rows = await this.db.all<MessageRow>(SELECT_BY_EVENT_IDS, [inputs.map((i) => i.appId), inputs.map((i) => i.eventId!)]);
    return new Map(rows.map((r) => [`${r.app_id}\n${r.event_id}`, toMessage(r)]));
  }
}

/** The key of an input's (application, eventId), or null without an eventId. */
function eventKey(input: MessageInput): string | null {
  return input.eventId == null ? null : `${input.appId}\n${input.eventId}`;
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

/** Parameters $8..$12 of WRITE: the deliveries as parallel arrays. */
function deliveryColumns(deliveries: NewDelivery[]): unknown[][] {
  return [
    deliveries.map((d) => d.id),
    deliveries.map((d) => d.msg.app_id),
    deliveries.map((d) => d.msg.id),
    deliveries.map((d) => d.endpointId),
    deliveries.map((d) => d.msg.created_at),
  ];
}
