import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { EventAttempt, EventDelivery, InboundRequest } from '../../core/types.js';
import type { InboundStore, LocalWorker, RequestInput } from '../store.js';
import type { WorkSignal } from '../work-signal.js';
import { isForeignKeyViolation, type PgDb } from './database.js';
import {
  type DestinationRow,
  type EventAttemptRow,
  type RequestRow,
  headersJson,
  newEventDeliveryRow,
  toDestination,
  toEventAttempt,
  toEventDelivery,
  toInboundRequest,
} from '../inbound-rows.js';
import { notifyIfAny, type WorkPayloads } from './work-notify.js';

// By the deliveries of the request (its index), then their attempts (theirs).
const SELECT_REQUEST_ATTEMPTS = `SELECT a.* FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
  WHERE d.request_id = $1 ORDER BY a.created_at, a.id`;

/*
 * The request and its deliveries in one statement, its own transaction. Deliveries handed to the
 * local worker are inserted already leased to it; NOTIFY goes out with the commit when any was
 * left pending for a claim.
 */
const RECEIVE = `WITH new_request AS (
    INSERT INTO requests (id, source_id, method, path, headers, body, received_at)
    VALUES ($1, $2, $3, $4, $5::json, $6, $7)
    RETURNING id
  ),
  new_deliveries AS (
    INSERT INTO deliveries (id, kind, request_id, destination_id, status, trigger, attempt_count, next_attempt_at,
      lease_owner, lease_until, created_at, updated_at)
    SELECT x.id, 'event', r.id, x.destination_id, x.status, 0, 0, $7, x.lease_owner, x.lease_until, $7, $7
    FROM new_request r,
      unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[])
        AS x(id, destination_id, status, lease_owner, lease_until)
    RETURNING status
  ),
  new_pending AS (SELECT 1 FROM new_deliveries WHERE status = 'pending')
SELECT ${notifyIfAny('new_pending', '$13')} AS notified`;

/**
 * Destinations, and received requests with their event deliveries, as on SQLite (`SqliteInbound`):
 * a request is one statement (two round trips: the destinations are read first, for the hand-off
 * and to refuse an unknown one).
 */
export class PgInbound implements InboundStore {
  private worker: LocalWorker | null = null;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly db: PgDb,
    private readonly work: WorkSignal,
    private readonly notifyPayload: WorkPayloads,
  ) {}

  /** Resolves when no request under way still owes the previous worker a hand-off. */
  async attach(worker: LocalWorker | null): Promise<void> {
    this.worker = worker;
    await Promise.allSettled([...this.running]);
  }

  async getRequest(id: string): Promise<InboundRequest | null> {
    const row = await this.db.get<RequestRow>('SELECT * FROM requests WHERE id = $1', [id]);
    return row ? toInboundRequest(row) : null;
  }

  async listRequestAttempts(requestId: string): Promise<EventAttempt[]> {
    return (await this.db.all<EventAttemptRow>(SELECT_REQUEST_ATTEMPTS, [requestId])).map(toEventAttempt);
  }

  receive(
    input: RequestInput,
    destinationIds: readonly string[],
    now: number,
  ): Promise<{ request: InboundRequest; deliveries: EventDelivery[] }> {
    const written = this.write(input, destinationIds, now);
    this.running.add(written);
    void written.finally(() => this.running.delete(written)).catch(() => {});
    return written;
  }

  private async write(
    input: RequestInput,
    destinationIds: readonly string[],
    now: number,
  ): Promise<{ request: InboundRequest; deliveries: EventDelivery[] }> {
    const found = await this.db.all<DestinationRow>('SELECT * FROM destinations WHERE id = ANY($1::text[])', [
      [...destinationIds],
    ]);
    const destinations = new Map(found.map((r) => [r.id, toDestination(r)]));
    if (destinationIds.some((id) => !destinations.has(id))) throw new NotFoundError('destination');
    const request: InboundRequest = {
      id: newId('req', now),
      sourceId: input.sourceId ?? null,
      method: input.method,
      path: input.path,
      headers: input.headers.map(([name, value]) => [name, value] as const),
      body: input.body,
      receivedAt: now,
    };
    const rows = destinationIds.map((id) => newEventDeliveryRow(request.id, id, now));
    const worker = this.worker;
    const handed = worker === null ? 0 : worker.reserve(rows.length);
    for (const row of rows.slice(0, handed)) {
      Object.assign(row, { status: 'sending', lease_owner: worker!.workerId, lease_until: now + worker!.leaseMs });
    }
    try {
      await this.db.get(RECEIVE, [
        request.id,
        request.sourceId,
        request.method,
        request.path,
        headersJson(request.headers),
        request.body,
        now,
        rows.map((r) => r.id),
        rows.map((r) => r.destination_id),
        rows.map((r) => r.status),
        rows.map((r) => r.lease_owner),
        rows.map((r) => r.lease_until),
        this.notifyPayload.now,
      ]);
    } catch (error) {
      worker?.unreserve(handed);
      // A destination deleted since we read it.
      throw isForeignKeyViolation(error) ? new NotFoundError('destination') : error;
    }
    // Committed: hand over what was leased, wake a claim for the rest.
    if (worker !== null && handed > 0) {
      worker.take(
        rows.slice(0, handed).map((row) => ({
          kind: 'event',
          delivery: toEventDelivery(row),
          request,
          destination: destinations.get(row.destination_id)!,
        })),
      );
    }
    if (rows.length > handed) this.work.emit('now');
    return { request, deliveries: rows.map(toEventDelivery) };
  }
}
