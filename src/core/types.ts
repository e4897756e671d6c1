/**
 * Domain types of hookd.
 *
 * Glossary
 * - application: one tenant of the sending side (one of your customers), owner of endpoints and messages.
 * - event type: a named kind of message (`invoice.paid`), with optional JSON schemas.
 * - endpoint: a URL that an application registered to receive its messages, with filters and secrets.
 * - message: one event sent to an application; it fans out to every endpoint that matches it.
 * - delivery: the queue row for one message to one endpoint: status, attempts so far, next due time, lease.
 * - attempt: one HTTP try of a delivery, with the request sent and the response received.
 * - request: one HTTP request received (inbound): its method, path, headers and body bytes, as they came.
 * - destination: a URL that received requests are forwarded to (inbound).
 * - (later issues) source: a URL that receives provider webhooks and routes its requests to destinations.
 * - delivery kind: what a queue row delivers. `message`: an outbound message to an endpoint, signed
 *   per Standard Webhooks. `event`: a received request forwarded byte for byte to a destination.
 *
 * All times are epoch milliseconds. The HTTP edge turns them into ISO strings.
 */

export type Metadata = Record<string, string>;

export interface Application {
  id: string;
  uid: string | null;
  name: string;
  metadata: Metadata;
  throttleRate: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface EventType {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  featureFlag: string | null;
  schemas: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * A signing key of an endpoint. `whsec_<base64>` signs with HMAC-SHA256 (`v1,`), `whsk_<base64>`
 * is an ed25519 private key and signs `v1a,`. The current key has `expiresAt = null`; a rotation
 * keeps the old key until its grace period ends, and every unexpired key signs.
 */
export interface EndpointSecret {
  key: string;
  expiresAt: number | null;
}

export interface Endpoint {
  id: string;
  appId: string;
  uid: string | null;
  url: string;
  description: string;
  /** Only these event types reach the endpoint; `null` means all. */
  eventTypes: string[] | null;
  /** Only messages that share one of these channels reach the endpoint; `null` means all. */
  channels: string[] | null;
  disabled: boolean;
  metadata: Metadata;
  throttleRate: number | null;
  /** Extra headers sent with every request to this endpoint. */
  headers: Record<string, string>;
  secrets: EndpointSecret[];
  createdAt: number;
  updatedAt: number;
}

export interface Message {
  id: string;
  appId: string;
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  /** The JSON text exactly as it is signed and sent; `null` once expunged. */
  payload: string | null;
  createdAt: number;
}

/**
 * Header fields in the order they were received or are to be sent, as `[name, value]` pairs; a
 * name may repeat (two `set-cookie` lines stay two lines).
 */
export type HeaderList = readonly (readonly [name: string, value: string])[];

/** One received request, stored raw so that it can be forwarded byte for byte. */
export interface InboundRequest {
  id: string;
  /** The source it arrived on; `null` until sources exist (a later issue). */
  sourceId: string | null;
  method: string;
  /** What follows the source's own path, query included: `/orders?id=1`, or `` for none. */
  path: string;
  headers: HeaderList;
  body: Buffer;
  receivedAt: number;
}

/** Where received requests are forwarded. */
export interface Destination {
  id: string;
  /** The request's `path` is appended to this URL's path. */
  url: string;
  createdAt: number;
}

export type DeliveryStatus = 'pending' | 'sending' | 'success' | 'fail' | 'canceled';

/** Why an attempt was made: by the schedule, or by a person (resend). Values match Svix. */
export const TriggerType = { Scheduled: 0, Manual: 1 } as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];

/** What a queue row delivers; see the glossary. A CLI session is the next kind to come. */
export type DeliveryKind = 'message' | 'event';

/** A queue row's state, the same for every kind. */
interface DeliveryState {
  id: string;
  status: DeliveryStatus;
  trigger: TriggerType;
  attemptCount: number;
  /** When the next attempt is due; `null` once the delivery has ended. */
  nextAttemptAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** An outbound message to one endpoint (kind `message`). */
export interface Delivery extends DeliveryState {
  appId: string;
  msgId: string;
  endpointId: string;
}

/** A received request to one destination (kind `event`). */
export interface EventDelivery extends DeliveryState {
  requestId: string;
  destinationId: string;
}

/** One HTTP try, whatever the delivery's kind. */
interface AttemptFields {
  id: string;
  deliveryId: string;
  url: string;
  status: 'success' | 'fail';
  /** 0 when no response arrived (connection error, timeout, refused by the SSRF guard). */
  responseStatusCode: number;
  /** The response body, truncated; or what went wrong when there was no response. */
  response: string;
  responseDurationMs: number;
  requestHeaders: Record<string, string>;
  trigger: TriggerType;
  createdAt: number;
}

/** An attempt of a message delivery, as the Svix attempt API shows it. */
export interface Attempt extends AttemptFields {
  appId: string;
  msgId: string;
  endpointId: string;
}

/** An attempt of an event delivery. */
export interface EventAttempt extends AttemptFields {
  kind: 'event';
  requestId: string;
  destinationId: string;
}

/**
 * An attempt as the queue records it: what it points at is per kind. `kind` may be left out of a
 * message's attempt (the Svix shape has none).
 */
export type AttemptRecord = (Attempt & { kind?: 'message' }) | EventAttempt;

/** An API token as stored: only its SHA-256 hash, and the application it is limited to. */
export interface ApiToken {
  id: string;
  hash: string;
  /** `null`: an admin token. Otherwise the only application this token reaches. */
  appId: string | null;
  createdAt: number;
  expiresAt: number | null;
}
