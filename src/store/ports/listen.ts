import type { Connection, Destination, EventDelivery, InboundRequest } from '../../core/types.js';

/** What `hookd listen` asks for when it connects: a device's session on a source. */
export interface ListenInput {
  sourceId: string;
  /** The session's stable name (the CLI's `--name`, by default the host name): one destination per (source, device). */
  device: string;
  /** The local URL the CLI forwards to: kept as the destination's URL, so that attempts show it. */
  forwardTo: string;
  /** The connection's filter (core/filter); `null`: every request. */
  filter: Record<string, unknown> | null;
  /** The filter as the caller wrote it (JSON text), kept for the API to show back; default: `filter` serialized. */
  filterText?: string | null;
}

/** A device's CLI destination on a source, and the connection that routes the source's requests to it. */
export interface ListenTarget {
  destination: Destination;
  connection: Connection;
}

/** An event leased to a listen session, with the request it forwards. */
export interface LeasedEvent {
  delivery: EventDelivery;
  request: InboundRequest;
}

/**
 * The queue of CLI destinations (delivery kind `cli`), which the engine never claims: a connected
 * `hookd listen` session leases its destination's events one at a time, oldest first, and records
 * each outcome with `DeliveryQueue.record` (the same attempts and retry states as any event).
 * Written once for both backends (crud/listen-sessions.ts).
 */
export interface ListenStore {
  /**
   * The device's CLI destination and connection on the source, created on first use and kept
   * (with their events) between sessions; each call sets the forward URL and the filter, and
   * enables both. The destination's uid is `listen_<source id>_<device>`.
   */
  open(input: ListenInput, now: number): Promise<ListenTarget>;
  /**
   * Makes the destination's events that a previous session left leased due now (a new session
   * takes the device over: its predecessor is gone, or its reports will be refused by the lease).
   */
  takeOver(destinationId: string, now: number): Promise<number>;
  /** Cancels every event still waiting for the destination (`--no-replay`); returns how many. */
  skipBacklog(destinationId: string, now: number): Promise<number>;
  /**
   * Leases the destination's oldest due event (pending and due, or leased with an expired lease)
   * to `owner` until `now + leaseMs`, marked `sending`; `null` when none is due.
   */
  claimNext(destinationId: string, owner: string, leaseMs: number, now: number): Promise<LeasedEvent | null>;
  /** When the destination's next pending event is due; `null`: none is pending. */
  nextDueAt(destinationId: string): Promise<number | null>;
  /** Whether the event is still leased to `owner` (its outcome not yet recorded). */
  isLeased(eventId: string, owner: string): Promise<boolean>;
}
