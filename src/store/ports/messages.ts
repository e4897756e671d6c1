import type { Message } from '../../core/types.js';
import type { Page, PageQuery } from './common.js';

export interface MessageInput {
  /** The application's id or uid: the writer resolves it in its batch, so the API need not look it up first. */
  appRef: string;
  eventType: string;
  eventId?: string | null;
  channels?: string[] | null;
  /** JSON text, already serialized once: this exact text is signed and sent. */
  payload: string;
  /** Deliver to this endpoint only, whatever its filters (send-example); `canceled` if it is disabled. */
  onlyEndpointId?: string;
  /** Days until retention clears the payload and its attempts' response bodies; absent or `null`: kept. */
  payloadRetentionDays?: number | null;
  /** The W3C `traceparent` of the call that created it, already checked (core/trace-context.ts). */
  traceparent?: string | null;
}

export interface MessageQuery extends PageQuery {
  channel?: string;
  eventTypes?: string[];
  /** Only messages created before / after these times. */
  before?: number;
  after?: number;
}

/** Which dead letters (exhausted message deliveries) to list or retry; every field narrows. */
export interface DeadLetterQuery {
  appId?: string;
  endpointId?: string;
  eventType?: string;
  /** These deliveries only. */
  ids?: string[];
}

/** A delivery of a message to an endpoint whose retries are exhausted (status `fail`). */
export interface DeadLetter {
  deliveryId: string;
  appId: string;
  endpointId: string;
  /** The endpoint's URL now. */
  url: string;
  msgId: string;
  eventType: string;
  attemptCount: number;
  createdAt: number;
  /** When it ended failed (epoch ms). */
  updatedAt: number;
}

/** Messages of the sending side. */
export interface MessageStore {
  /**
   * Inserts the message and one pending delivery (due `now`) for each endpoint of the application
   * that matches it (not disabled, event type and channel filters), in one transaction shared
   * with the other calls of the same event-loop turn (group commit), then signals the queue's
   * `onWork`. A message whose `eventId` the application already used is not inserted: the earlier
   * message is returned with `created: false`. `NotFoundError('application')` for an unknown ref.
   */
  create(input: MessageInput, now: number): Promise<{ message: Message; created: boolean }>;
  /** By the message's id or, as in Svix, by the `eventId` it was sent with. */
  get(appId: string, msgId: string): Promise<Message | null>;
  list(appId: string, query: MessageQuery): Promise<Page<Message>>;
  /** Clears the payload; the message, deliveries and attempts stay. */
  expungeContent(appId: string, msgId: string): Promise<void>;
  /** Exhausted deliveries across applications and endpoints, newest first (the dashboard's dead letters). */
  listDeadLetters(query: DeadLetterQuery & PageQuery): Promise<Page<DeadLetter>>;
}
