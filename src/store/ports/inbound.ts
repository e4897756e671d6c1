import type {
  Connection,
  Destination,
  EventAttempt,
  EventDelivery,
  HeaderList,
  InboundRequest,
  RequestCause,
  RequestStatus,
} from '../../core/types.js';
import type { StoredRequestNote } from '../request-feed.js';
import type { Page, PageQuery, TimeRange } from './common.js';

/** A received request as it came, with the ingest's verdict, before it is stored. */
export interface RequestInput {
  sourceId: string | null;
  method: string;
  /** What followed the source's own path, query included (`/orders?id=1`, or `` for none). */
  path: string;
  headers: HeaderList;
  body: Buffer;
  /** Default: `body.length`. */
  bodySize?: number;
  /** Default `accepted`. A `duplicate` found by `receive` overrides it. */
  status?: RequestStatus;
  cause?: RequestCause | null;
  detail?: string | null;
}

/** Where one accepted request goes: one event per route. */
export interface EventRoute {
  connectionId: string | null;
  destinationId: string;
  /**
   * The destination and connection as the caller read them (the ingest's cache): events handed to
   * the local engine carry these instead of a read of their own. Without them the writer reads them.
   */
  targets?: { destination: Destination; connection: Connection | null };
}

/** A source's dedup key for this request, and until when it holds. */
export interface DedupKey {
  key: string;
  expiresAt: number;
}

export interface Received {
  request: InboundRequest;
  events: EventDelivery[];
  /** Set when the request was a duplicate (then it has no events): the first request's id. */
  duplicateOf?: string;
}

export interface EventQuery {
  sourceId?: string;
  requestId?: string;
  connectionId?: string;
  destinationId?: string;
  status?: EventDelivery['status'];
}

/**
 * Received requests and their events (deliveries of kind `event`; an event's id is its delivery's
 * id, `evt_…`): the writes. Per backend: they hand events to the local worker, as messages do.
 */
export interface InboundStore {
  /**
   * Stores the request and, when it is accepted, one pending event per route (due `now`), in one
   * transaction, then signals `onWork`. With a `dedup` key that the source has already seen and
   * whose window has not ended, the request is stored `rejected`/`duplicate` with no events
   * (`duplicateOf` names the first); otherwise the key is recorded until `dedup.expiresAt`. Events
   * are handed to the local worker as a message's deliveries are (see
   * `DeliveryQueue.attachLocalWorker`). `NotFoundError('destination')` when a route's destination
   * does not exist.
   */
  receive(input: RequestInput, routes: readonly EventRoute[], dedup: DedupKey | null, now: number): Promise<Received>;
  /** New events for a stored request (a replay), as `receive` creates them. `NotFoundError('request')`. */
  replay(requestId: string, routes: readonly EventRoute[], now: number): Promise<EventDelivery[]>;
  /**
   * Makes an event due now with trigger Manual (a retry), whatever its state unless it is being
   * sent (then it is left alone). `NotFoundError('event')`.
   */
  retryEvent(eventId: string, now: number): Promise<EventDelivery>;
  /** Retries every ended event (`fail` or `canceled`, or `status`) that matches; returns how many. */
  retryEvents(query: EventQuery & TimeRange, now: number): Promise<number>;
  /**
   * Calls `listener` after each request with a source is committed, by this process or (on
   * PostgreSQL, through NOTIFY) another one using the same schema. Returns the unsubscribe function.
   */
  onRequest(listener: (note: StoredRequestNote) => void): () => void;
}

/** Received requests, their events and the events' attempts: the reads. Written once (crud/). */
export interface RequestStore {
  getRequest(id: string): Promise<InboundRequest | null>;
  /** Newest first by default. */
  listRequests(
    query: { sourceId?: string; status?: InboundRequest['status'] } & TimeRange,
    page: PageQuery,
  ): Promise<Page<InboundRequest>>;
  getEvent(id: string): Promise<EventDelivery | null>;
  /** Newest first by default. */
  listEvents(query: EventQuery & TimeRange, page: PageQuery): Promise<Page<EventDelivery>>;
  /** An event's attempts, newest first by default. */
  listEventAttempts(eventId: string, page: PageQuery): Promise<Page<EventAttempt>>;
  /** The attempts of the request's events, oldest first. */
  listRequestAttempts(requestId: string): Promise<EventAttempt[]>;
}
