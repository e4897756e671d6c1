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
 * - (inbound, later issues) source: a URL that receives provider webhooks; request: one received request.
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

export type DeliveryStatus = 'pending' | 'sending' | 'success' | 'fail' | 'canceled';

/** Why an attempt was made: by the schedule, or by a person (resend). Values match Svix. */
export const TriggerType = { Scheduled: 0, Manual: 1 } as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];

export interface Delivery {
  id: string;
  appId: string;
  msgId: string;
  endpointId: string;
  status: DeliveryStatus;
  trigger: TriggerType;
  attemptCount: number;
  /** When the next attempt is due; `null` once the delivery has ended. */
  nextAttemptAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface Attempt {
  id: string;
  deliveryId: string;
  appId: string;
  msgId: string;
  endpointId: string;
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

/** An API token as stored: only its SHA-256 hash, and the application it is limited to. */
export interface ApiToken {
  id: string;
  hash: string;
  /** `null`: an admin token. Otherwise the only application this token reaches. */
  appId: string | null;
  createdAt: number;
  expiresAt: number | null;
}
