import type { Destination, EventAttempt, EventDelivery, HeaderList, InboundRequest } from '../../core/types.js';

export interface DestinationInput {
  url: string;
}

/** A received request as it came, before it is stored. */
export interface RequestInput {
  sourceId?: string | null;
  method: string;
  /** What followed the source's own path, query included (`/orders?id=1`, or `` for none). */
  path: string;
  headers: HeaderList;
  body: Buffer;
}

/**
 * The inbound side as far as the queue needs it: destinations, and received requests stored raw
 * with their deliveries (kind `event`). The receive issue builds sources, routing and the `/in`
 * face on it.
 */
export interface InboundStore {
  createDestination(input: DestinationInput, now: number): Promise<Destination>;
  getDestination(id: string): Promise<Destination | null>;
  /**
   * Stores the request and one pending delivery (kind `event`, due `now`) to each destination, in
   * one transaction, then signals `onWork`; like a new message's deliveries, as many as the local
   * worker reserves room for are inserted leased to it and handed to it after the commit (see
   * `DeliveryQueue.attachLocalWorker`). `NotFoundError` when a destination does not exist.
   */
  receive(
    input: RequestInput,
    destinationIds: readonly string[],
    now: number,
  ): Promise<{ request: InboundRequest; deliveries: EventDelivery[] }>;
  getRequest(id: string): Promise<InboundRequest | null>;
  /** The attempts of the request's deliveries, oldest first. */
  listRequestAttempts(requestId: string): Promise<EventAttempt[]>;
}
