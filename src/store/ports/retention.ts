/**
 * What retention removes, one small batch per call, so that the job that calls it never holds
 * the database for long (the queue's writes interleave between batches). Each method resolves to
 * how many rows it changed: fewer than `limit` means nothing is left for now.
 *
 * Nothing is removed that a delivery still needs: a message or request with a delivery
 * `pending` or `sending` keeps its payload, body and rows until that delivery ends.
 */
export interface RetentionStore {
  /** Clears payloads whose `payloadRetentionPeriod` ended by `now`, and their attempts' response bodies. */
  expirePayloads(now: number, limit: number): Promise<number>;
  /** Clears the payloads (and attempts' response bodies) of messages created before `before`, whatever their period (`hookd prune`). */
  prunePayloadsBefore(before: number, limit: number): Promise<number>;
  /** Clears the body and headers of requests received before `before` (and their events' attempts' response bodies), marking them pruned. */
  pruneRequestsBefore(before: number, limit: number, now: number): Promise<number>;
  /** Deletes messages created before `before`, with their deliveries and attempts. */
  deleteMessagesBefore(before: number, limit: number): Promise<number>;
  /** Deletes requests received before `before`, with their events and attempts. */
  deleteRequestsBefore(before: number, limit: number): Promise<number>;
}
