import type { Delivery } from '../../core/types.js';
import type { TimeRange } from './common.js';
import type { DeadLetterQuery } from './messages.js';

/** Work put back on the queue by a person: resend, recover, replay-missing (Svix's endpoint actions). */
export interface DeliveryRequeue {
  /**
   * A new one-attempt delivery of the message to the endpoint, due now, with `trigger` Manual;
   * `canceled` at once (never sent) when the endpoint is disabled.
   */
  resend(appId: string, msgId: string, endpointId: string, now: number): Promise<Delivery>;
  /**
   * Makes the endpoint's failed deliveries created in the range due again, and its canceled ones
   * (canceled because the endpoint was disabled when they came due). Nothing while the endpoint
   * is disabled. Returns how many.
   */
  recoverFailed(endpointId: string, range: TimeRange, now: number): Promise<number>;
  /**
   * Creates deliveries to the endpoint for the application's messages in the range that match the
   * endpoint and were never delivered to it. Returns how many.
   */
  replayMissing(endpointId: string, range: TimeRange, now: number): Promise<number>;
  /**
   * Makes the matching dead letters (exhausted message deliveries) due now with a full retry
   * schedule and trigger Manual, across endpoints; a disabled endpoint's stay failed. Returns how many.
   */
  retryDeadLetters(query: DeadLetterQuery, now: number): Promise<number>;
}
