import type { Verification } from './verify/types.js';

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
 * - source: a URL (`/in/{source}`) that receives webhooks from a provider, with a verification setting
 *   and a configured response. With no verification and no connection it is a capture URL.
 * - request: one HTTP request received on a source: its method, path, headers and body bytes, as they
 *   came, accepted or rejected with a named cause.
 * - destination: where received requests are forwarded: an HTTP URL (kind `http`), or a `hookd listen`
 *   session (kind `cli`: one per source and device, kept between sessions so that its events wait).
 * - connection: source → destination, with an optional filter and transform.
 * - event: one request on one connection; the queue row (delivery kind `event`) that forwards it.
 * - delivery kind: what a queue row delivers. `message`: an outbound message to an endpoint, signed
 *   per Standard Webhooks. `event`: a received request forwarded byte for byte to a destination.
 *   `cli`: an event for a CLI destination, never claimed by the engine: a connected `hookd listen`
 *   streams it and reports the local response (the API shows it as an event like any other).
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
  /**
   * The JSON schemas by version (`{"1": {...}}`) as JSON text: the text the customer sent,
   * compacted, never re-serialized, so that an example's numbers keep their digits.
   */
  schemas: string | null;
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
  /**
   * hookd extension: the most requests in flight to this endpoint at once, across every worker
   * process; `null`: the configured default (`HOOKD_ENDPOINT_CONCURRENCY`, 16).
   */
  maxConcurrency: number | null;
  /**
   * hookd extension: a message's delivery is attempted only after every earlier message's
   * delivery to this endpoint succeeded or ended (failed for good, canceled).
   */
  ordered: boolean;
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
  /**
   * The W3C `traceparent` of the API call that created it (`00-<trace id>-<span id>-<flags>`): each
   * attempt is sent as a child span of it. `null` (or absent where a read leaves it out): none.
   */
  traceparent?: string | null;
}

/**
 * Header fields in the order they were received or are to be sent, as `[name, value]` pairs; a
 * name may repeat (two `set-cookie` lines stay two lines).
 */
export type HeaderList = readonly (readonly [name: string, value: string])[];

/** Whether a received request goes on: see `RequestCause` for why it does not. */
export type RequestStatus = 'accepted' | 'rejected' | 'handshake';

/**
 * Why a request was rejected (kept and shown, never forwarded). The verifier's causes, and
 * `payload_too_large` (over the size limit: the body is not kept), `duplicate` (seen within the
 * source's dedup window; answered 2xx), `filtered` (no connection's filter matched; answered 2xx),
 * `source_disabled`.
 */
export type RequestCause =
  | 'signature_missing'
  | 'signature_invalid'
  | 'timestamp_out_of_window'
  | 'certificate_invalid'
  | 'payload_too_large'
  | 'duplicate'
  | 'filtered'
  | 'source_disabled';

/** One received request, stored raw so that it can be forwarded byte for byte. */
export interface InboundRequest {
  id: string;
  /** The source it arrived on (`null` only for requests stored by the restructure's tests). */
  sourceId: string | null;
  method: string;
  /** What follows the source's own path, query included: `/orders?id=1`, or `` for none. */
  path: string;
  headers: HeaderList;
  /** Empty when the body was not kept (`payload_too_large`). */
  body: Buffer;
  /** The body's size in bytes as received (the declared size when it was not read). */
  bodySize: number;
  status: RequestStatus;
  cause: RequestCause | null;
  /** For a person: why it was rejected (e.g. which header was missing). */
  detail: string | null;
  receivedAt: number;
  /** When retention cleared its body and headers; `null` (or absent, where a query does not read it): kept. */
  prunedAt?: number | null;
}

/** What a source answers to every request that is not a handshake. Default: 200 `{"ok":true}`. */
export interface SourceResponse {
  status: number;
  body: string;
  contentType: string;
  headers: Record<string, string>;
  /** Hold the answer this long (ms, at most 10 s) after the request is stored. Default 0. */
  delayMs?: number;
  /** Allow cross-origin calls from browsers (any origin) and answer CORS preflights. Default false. */
  cors?: boolean;
}

/**
 * How a source recognizes a request it has already seen, within `windowSeconds`:
 * - `delivery-id`: the provider's delivery id, as its verifier reports it (`X-GitHub-Delivery`,
 *   Stripe's event id, `webhook-id`...);
 * - `header`: the value of `header`;
 * - `json-path`: the value at a dotted `path` of the JSON body (`data.id`);
 * - `body-hash`: the SHA-256 of the body.
 */
export interface DedupSetting {
  by: 'delivery-id' | 'header' | 'json-path' | 'body-hash';
  header?: string;
  path?: string;
  windowSeconds: number;
}

/** A URL that receives webhooks: `{PUBLIC_URL}/in/{id or uid}[/sub/path]`, any method. */
export interface Source {
  id: string;
  uid: string | null;
  name: string;
  /** `{type, secrets?, ...}`: see core/verify. `{type: 'none'}` accepts every request. */
  verification: Verification;
  /** `null`: the default answer. */
  response: SourceResponse | null;
  dedup: DedupSetting | null;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/**
 * How a destination is reached: `http`: the engine sends each event to its URL; `cli`: a connected
 * `hookd listen` session takes its events from the store (delivery kind `cli`).
 */
export type DestinationKind = 'http' | 'cli';

/** Where received requests are forwarded. */
export interface Destination {
  id: string;
  kind: DestinationKind;
  uid: string | null;
  name: string;
  /** The request's `path` is appended to this URL's path (kind `cli`: the URL the CLI forwards to, as told). */
  url: string;
  /** Added to every forwarded request (replacing a received header of the same name). */
  headers: Record<string, string>;
  basicAuth: { username: string; password: string } | null;
  /** Requests per second at most; `null`: no limit. */
  throttleRate: number | null;
  /** Delays in seconds between attempts; `null`: the server's schedule. */
  retrySchedule: number[] | null;
  /** Per-attempt timeout; `null`: the server's. */
  timeoutMs: number | null;
  /** A Standard Webhooks secret (`whsec_…`): forwarded requests are re-signed with it. */
  secret: string | null;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Source → destination: which requests go (filter) and how they are rewritten (transform). */
export interface Connection {
  id: string;
  name: string;
  sourceId: string;
  destinationId: string;
  /** A filter in hookd's filter language (core/filter); `null`: every request. */
  filter: Record<string, unknown> | null;
  /**
   * The same filter as JSON text, as the customer wrote it (compacted): what the API shows, so
   * that its numbers read back as written (`1.0`, `12345678901234567890`).
   */
  filterText: string | null;
  /** JavaScript source of `function transform(request)`, run in a sandbox; `null`: none. */
  transform: string | null;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export type DeliveryStatus = 'pending' | 'sending' | 'success' | 'fail' | 'canceled';

/** Why an attempt was made: by the schedule, or by a person (resend). Values match Svix. */
export const TriggerType = { Scheduled: 0, Manual: 1 } as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];

/** What a queue row delivers; see the glossary. */
export type DeliveryKind = 'message' | 'event' | 'cli';

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
  /** `null` for a forward made without a connection (a replay to a URL, the restructure's tests). */
  connectionId: string | null;
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
