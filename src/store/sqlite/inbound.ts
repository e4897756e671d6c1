import { NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { EventAttempt, EventDelivery, InboundRequest } from '../../core/types.js';
import type { ClaimedEvent, InboundStore, LocalWorker, RequestInput } from '../store.js';
import type { WorkSignal } from '../work-signal.js';
import type { SqliteDb } from './database.js';
import {
  type DestinationRow,
  type EventAttemptRow,
  type EventDeliveryRow,
  type RequestRow,
  headersJson,
  newEventDeliveryRow,
  toDestination,
  toEventAttempt,
  toEventDelivery,
  toInboundRequest,
} from '../inbound-rows.js';

// By the deliveries of the request (its index), then their attempts (theirs).
const SELECT_REQUEST_ATTEMPTS = `SELECT a.* FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
  WHERE d.request_id = ? ORDER BY a.created_at, a.id`;
const INSERT_REQUEST = `INSERT INTO requests (id, source_id, method, path, headers, body, received_at)
  VALUES (@id, @source_id, @method, @path, @headers, @body, @received_at)`;
const INSERT_EVENT_DELIVERY = `INSERT INTO deliveries (id, kind, request_id, destination_id, status, trigger, attempt_count,
    next_attempt_at, lease_owner, lease_until, created_at, updated_at)
  VALUES (@id, @kind, @request_id, @destination_id, @status, @trigger, @attempt_count, @next_attempt_at, @lease_owner,
    @lease_until, @created_at, @updated_at)`;

interface Received {
  request: InboundRequest;
  rows: EventDeliveryRow[];
  handed: ClaimedEvent[];
}

/**
 * Destinations, and received requests with their event deliveries. A request is written in its
 * own transaction (the receive issue may group-commit them as messages are); its deliveries are
 * handed to the local worker as a message's are (see `SqliteMessageWriter`).
 */
export class SqliteInbound implements InboundStore {
  private worker: LocalWorker | null = null;
  private readonly receiveTx: (
    input: RequestInput,
    destinationIds: readonly string[],
    now: number,
    room: number,
  ) => Received;

  constructor(
    private readonly db: SqliteDb,
    private readonly work: WorkSignal,
  ) {
    this.receiveTx = db.transaction(this.receiveInTransaction.bind(this));
  }

  attach(worker: LocalWorker | null): void {
    this.worker = worker;
  }

  async getRequest(id: string): Promise<InboundRequest | null> {
    const row = this.db.get<RequestRow>('SELECT * FROM requests WHERE id = ?', id);
    return row ? toInboundRequest(row) : null;
  }

  async listRequestAttempts(requestId: string): Promise<EventAttempt[]> {
    return this.db.all<EventAttemptRow>(SELECT_REQUEST_ATTEMPTS, requestId).map(toEventAttempt);
  }

  async receive(
    input: RequestInput,
    destinationIds: readonly string[],
    now: number,
  ): Promise<{ request: InboundRequest; deliveries: EventDelivery[] }> {
    const worker = this.worker;
    const room = worker === null ? 0 : worker.reserve(destinationIds.length);
    let received: Received;
    try {
      received = this.receiveTx(input, destinationIds, now, room);
    } catch (error) {
      worker?.unreserve(room);
      throw error;
    }
    // Committed: hand over what was leased, give back the rest of the room, wake a claim for the rest.
    if (worker !== null) {
      worker.unreserve(room - received.handed.length);
      if (received.handed.length > 0) worker.take(received.handed);
    }
    if (received.rows.length > received.handed.length) this.work.emit('now');
    return { request: received.request, deliveries: received.rows.map(toEventDelivery) };
  }

  private receiveInTransaction(
    input: RequestInput,
    destinationIds: readonly string[],
    now: number,
    room: number,
  ): Received {
    const requestRow: RequestRow = {
      id: newId('req', now),
      source_id: input.sourceId ?? null,
      method: input.method,
      path: input.path,
      headers: headersJson(input.headers),
      body: input.body,
      received_at: now,
    };
    this.db.run(INSERT_REQUEST, requestRow);
    const request = toInboundRequest({ ...requestRow, headers: input.headers.map(([n, v]) => [n, v]) });
    const rows: EventDeliveryRow[] = [];
    const handed: ClaimedEvent[] = [];
    for (const destinationId of destinationIds) {
      const destination = this.db.get<DestinationRow>('SELECT * FROM destinations WHERE id = ?', destinationId);
      if (!destination) throw new NotFoundError('destination');
      const row = newEventDeliveryRow(request.id, destinationId, now);
      if (handed.length < room) {
        Object.assign(row, {
          status: 'sending',
          lease_owner: this.worker!.workerId,
          lease_until: now + this.worker!.leaseMs,
        });
        handed.push({
          kind: 'event',
          delivery: toEventDelivery(row),
          request,
          destination: toDestination(destination),
        });
      }
      this.db.run(INSERT_EVENT_DELIVERY, row);
      rows.push(row);
    }
    return { request, rows, handed };
  }
}
