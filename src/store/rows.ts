import type {
  ApiToken,
  Application,
  Attempt,
  Delivery,
  DeliveryStatus,
  Endpoint,
  EndpointSecret,
  EventType,
  Message,
  Metadata,
  TriggerType,
} from '../core/types.js';
import { newId } from '../core/ids.js';

/*
 * Rows as the backends return them: snake_case columns, epoch-ms integers. The two drivers differ
 * in two ways only, and the row types admit both: SQLite returns booleans as 0/1 and JSON columns
 * as TEXT; node-postgres returns booleans, and json/jsonb columns already parsed.
 */

/** A JSON column: TEXT on SQLite, already parsed on PostgreSQL. */
export type Json<T> = T | string;
/** A boolean column: 0/1 on SQLite, a boolean on PostgreSQL. */
export type Flag = boolean | number;

export function fromJson<T>(value: Json<T>): T;
export function fromJson<T>(value: Json<T> | null): T | null;
export function fromJson<T>(value: Json<T> | null): T | null {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

export const fromFlag = (value: Flag): boolean => value === true || value === 1;

export interface ApplicationRow {
  id: string;
  uid: string | null;
  name: string;
  metadata: Json<Metadata>;
  throttle_rate: number | null;
  created_at: number;
  updated_at: number;
}

export interface EventTypeRow {
  name: string;
  description: string;
  archived: Flag;
  deprecated: Flag;
  feature_flag: string | null;
  /** Read as text on both backends (`CAST(schemas AS TEXT)`): the text as stored. */
  schemas: string | null;
  created_at: number;
  updated_at: number;
}

export interface EndpointRow {
  id: string;
  app_id: string;
  uid: string | null;
  url: string;
  description: string;
  event_types: Json<string[]> | null;
  channels: Json<string[]> | null;
  disabled: Flag;
  metadata: Json<Metadata>;
  throttle_rate: number | null;
  max_concurrency: number | null;
  ordered: Flag;
  headers: Json<Record<string, string>>;
  secrets: Json<EndpointSecret[]>;
  created_at: number;
  updated_at: number;
}

export interface MessageRow {
  id: string;
  app_id: string;
  event_type: string;
  event_id: string | null;
  channels: Json<string[]> | null;
  payload: string | null;
  created_at: number;
  /** When retention clears the payload; `null`: never. Absent where a query does not read it. */
  payload_expires_at?: number | null;
  /** The W3C traceparent it was created with. Absent where a query does not read it. */
  traceparent?: string | null;
}

/** The queue columns of a delivery row, the same for every kind. */
export interface DeliveryStateRow {
  id: string;
  status: DeliveryStatus;
  trigger: number;
  attempt_count: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

/** A delivery row of kind `message`. */
export interface DeliveryRow extends DeliveryStateRow {
  app_id: string;
  msg_id: string;
  endpoint_id: string;
}

export interface AttemptRow {
  id: string;
  delivery_id: string;
  app_id: string;
  msg_id: string;
  endpoint_id: string;
  url: string;
  status: 'success' | 'fail';
  response_status_code: number;
  response: string;
  response_duration_ms: number;
  request_headers: Json<Record<string, string>>;
  trigger: number;
  created_at: number;
}

export interface TokenRow {
  id: string;
  hash: string;
  app_id: string | null;
  created_at: number;
  expires_at: number | null;
}

/**
 * JSON text of a value for a JSON column, or NULL for `null`/`undefined`. Text on both backends:
 * node-postgres would turn a JS array into a PostgreSQL array.
 */
export function toJsonOrNull(value: unknown): string | null {
  return value == null ? null : JSON.stringify(value);
}

export function toApplication(r: ApplicationRow): Application {
  return {
    id: r.id,
    uid: r.uid,
    name: r.name,
    metadata: fromJson(r.metadata),
    throttleRate: r.throttle_rate,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toEventType(r: EventTypeRow): EventType {
  return {
    name: r.name,
    description: r.description,
    archived: fromFlag(r.archived),
    deprecated: fromFlag(r.deprecated),
    featureFlag: r.feature_flag,
    schemas: r.schemas,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toEndpoint(r: EndpointRow): Endpoint {
  return {
    id: r.id,
    appId: r.app_id,
    uid: r.uid,
    url: r.url,
    description: r.description,
    eventTypes: fromJson(r.event_types),
    channels: fromJson(r.channels),
    disabled: fromFlag(r.disabled),
    metadata: fromJson(r.metadata),
    throttleRate: r.throttle_rate,
    maxConcurrency: r.max_concurrency,
    ordered: fromFlag(r.ordered),
    headers: fromJson(r.headers),
    secrets: fromJson(r.secrets),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toMessage(r: MessageRow): Message {
  return {
    id: r.id,
    appId: r.app_id,
    eventType: r.event_type,
    eventId: r.event_id,
    channels: fromJson(r.channels),
    payload: r.payload,
    createdAt: r.created_at,
    traceparent: r.traceparent ?? null,
  };
}

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    appId: r.app_id,
    msgId: r.msg_id,
    endpointId: r.endpoint_id,
    status: r.status,
    trigger: r.trigger as TriggerType,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toAttempt(r: AttemptRow): Attempt {
  return {
    id: r.id,
    deliveryId: r.delivery_id,
    appId: r.app_id,
    msgId: r.msg_id,
    endpointId: r.endpoint_id,
    url: r.url,
    status: r.status,
    responseStatusCode: r.response_status_code,
    response: r.response,
    responseDurationMs: r.response_duration_ms,
    requestHeaders: fromJson(r.request_headers),
    trigger: r.trigger as TriggerType,
    createdAt: r.created_at,
  };
}

export function toToken(r: TokenRow): ApiToken {
  return { id: r.id, hash: r.hash, appId: r.app_id, createdAt: r.created_at, expiresAt: r.expires_at };
}

/**
 * A new delivery of a message to an endpoint: due now, or already `canceled` when the endpoint is
 * disabled. Every path that creates a delivery (fan-out, send-example, resend, replay) goes
 * through here, so none can put a disabled endpoint's delivery on the queue or hand it to a
 * worker: as in Svix, a disabled endpoint is never sent to. The canceled row stays visible in the
 * endpoint's lists and stats, and `recover` makes it due once the endpoint is enabled again.
 */
export function newDeliveryRow(
  appId: string,
  msgId: string,
  endpoint: Pick<Endpoint, 'id' | 'disabled'>,
  trigger: TriggerType,
  now: number,
): DeliveryRow {
  return {
    id: newId('dlv', now),
    app_id: appId,
    msg_id: msgId,
    endpoint_id: endpoint.id,
    status: endpoint.disabled ? 'canceled' : 'pending',
    trigger,
    attempt_count: 0,
    next_attempt_at: endpoint.disabled ? null : now,
    lease_owner: null,
    lease_until: null,
    created_at: now,
    updated_at: now,
  };
}
