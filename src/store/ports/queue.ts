import type {
  AttemptRecord,
  Connection,
  Delivery,
  DeliveryStatus,
  Destination,
  Endpoint,
  EventDelivery,
  InboundRequest,
  Message,
} from '../../core/types.js';
import type { WorkListener } from '../work-signal.js';

/** A leased delivery with everything a request needs, joined at claim time: one shape per kind. */
export type ClaimedDelivery = ClaimedMessage | ClaimedEvent;

/** Kind `message`: an outbound message to an endpoint. */
export interface ClaimedMessage {
  kind: 'message';
  delivery: Delivery;
  message: Message;
  endpoint: Endpoint;
}

/** Kind `event`: a received request to a destination. */
export interface ClaimedEvent {
  kind: 'event';
  delivery: EventDelivery;
  request: InboundRequest;
  destination: Destination;
  /** Its connection (for the transform); `null` when it has none or it was deleted since. */
  connection: Connection | null;
}

/**
 * The engine of this process, as `attachLocalWorker` sees it. A batch reserves room before it
 * writes, and after its commit hands over what it leased (each delivery uses one reserved place)
 * and gives back the rest; so the engine's claims and the batches in flight never start more
 * deliveries together than its concurrency.
 */
export interface LocalWorker {
  workerId: string;
  leaseMs: number;
  /** Holds room for up to `wanted` deliveries; returns how many it holds. */
  reserve(wanted: number): number;
  /** Gives back places held by `reserve` that no delivery will use. */
  unreserve(count: number): void;
  /** Deliveries leased to it at creation, right after their commit: it counts them at once and sends them. */
  take(claimed: ClaimedDelivery[]): void;
}

export interface DeliveryOutcome {
  attempt: AttemptRecord;
  /** The delivery's state after this attempt. */
  status: DeliveryStatus;
  nextAttemptAt: number | null;
  /** e.g. after a 410 Gone; kind `message` only (an event's destination is not disabled). */
  disableEndpoint?: boolean;
  /**
   * With `disableEndpoint` by the failure clock: when the endpoint's run of failures began (epoch
   * ms), reported as `endpoint.disabled`'s `failSince`; absent, this attempt's time (a 410).
   */
  failingSince?: number;
}

/** What `record` leases in the place of the leases it ends (the hand-off at record). */
export interface RecordHandOff {
  /** The lease of each delivery handed off, from the record's `now` (as a claim's). */
  leaseMs: number;
}

/** The queue port of the delivery engine: what it claims, records and gives back. */
export interface DeliveryQueue {
  /**
   * Leases up to `limit` due deliveries (`status` pending, `nextAttemptAt <= now`, or `sending`
   * with an expired lease) to `workerId` until `now + leaseMs`, marks them `sending`, and returns
   * each with what a request needs, by kind (see `ClaimedDelivery`). Fair shares
   * (store/fair-share.ts): no endpoint (destination) gets more live leases, counted in the store
   * across processes, than its limit; rank 1 of every endpoint (destination) comes before rank 2,
   * oldest due first within a rank, whatever the kind; an ordered endpoint's scheduled delivery
   * only when no earlier message's scheduled delivery to it is pending or sending. A delivery
   * whose endpoint (destination) is disabled is canceled instead of returned.
   */
  claim(workerId: string, limit: number, leaseMs: number, now: number): Promise<ClaimedDelivery[]>;
  /**
   * Records a batch of attempt outcomes in one transaction: inserts the attempts, sets each
   * delivery's new state and clears its lease, and disables endpoints where asked (kind
   * `message`). An attempt points at what its kind points at (`AttemptRecord`). An outcome
   * whose delivery is no longer leased to `workerId` is still recorded as an attempt, but does not
   * change the delivery (another worker owns it now).
   *
   * With `handOff`, the same transaction also leases to `workerId` the next due deliveries of the
   * targets whose live leases it ended, at most one for each, and returns them (the hand-off at
   * record, store/fair-share.ts `refillsAtRecord`): a target's places pass from one delivery to
   * the next without waiting for a claim. Never for an ordered endpoint, a disabled target or one
   * this batch disables, nor for a target whose application was at its limit; so no target's or
   * application's live leases, nor the worker's, grow. Without it: none, `[]`.
   */
  record(
    workerId: string,
    outcomes: DeliveryOutcome[],
    now: number,
    handOff?: RecordHandOff,
  ): Promise<ClaimedDelivery[]>;
  /**
   * Gives leased deliveries back without an attempt, due again at their `dueAt` (a destination's
   * rate limit said "not now"): pending, attempt count unchanged. Only those still leased to
   * `workerId` change.
   */
  postpone(workerId: string, items: readonly { id: string; dueAt: number }[], now: number): Promise<void>;
  /** Gives back every lease `workerId` holds (graceful shutdown): the deliveries become due again. */
  release(workerId: string, now: number): Promise<void>;
  /** When a delivery is due; the engine's safety-net timer sleeps until then. `null`: nothing queued. */
  nextDueAt(): Promise<number | null>;
  /**
   * Calls `listener` whenever new work may be due (after a commit that created or re-queued
   * deliveries for a claim: not for those handed to the local worker), saying whether it is due
   * now or later (a retry), and when, if the store knows (`WorkListener`: deliveries held for a
   * target's probe or pause end). Returns the unsubscribe function.
   */
  onWork(listener: WorkListener): () => void;
  /**
   * Lets the delivery engine of this process take new deliveries as they are created, of every
   * kind (`messages.create`, `inbound.receive`): as many of a batch's deliveries as
   * `worker.reserve` grants, and each endpoint's (destination's) limit on live leases allows (an
   * ordered endpoint's: none; a claim decides), are inserted already leased to the worker, and
   * handed to `worker.take` right after the commit. That saves a claim per batch. The rest wait for
   * a claim after `onWork`, as every delivery does in a process without an engine (role `api`).
   * `null` detaches; the promise resolves when no batch under way still owes the previous worker a
   * hand-off.
   */
  attachLocalWorker(worker: LocalWorker | null): Promise<void>;
}
