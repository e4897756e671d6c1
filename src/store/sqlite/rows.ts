import type {
  ApiToken,
  Application,
  Attempt,
  Delivery,
  DeliveryStatus,
  Endpoint,
  EventType,
  Message,
  TriggerType,
} from '../../core/types.js';

/** Rows as SQLite returns them: snake_case, booleans 0/1, JSON as TEXT. */
export interface ApplicationRow {
  id: string;
  uid: string | null;
  name: string;
  metadata: string;
  throttle_rate: number | null;
  created_at: number;
  updated_at: number;
}

export interface EventTypeRow {
  name: string;
  description: string;
  archived: number;
  deprecated: number;
  feature_flag: string | null;
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
  event_types: string | null;
  channels: string | null;
  disabled: number;
  metadata: string;
  throttle_rate: number | null;
  headers: string;
  secrets: string;
  created_at: number;
  updated_at: number;
}

export interface MessageRow {
  id: string;
  app_id: string;
  event_type: string;
  event_id: string | null;
  channels: string | null;
  payload: string | null;
  created_at: number;
}

export interface DeliveryRow {
  id: string;
  app_id: string;
  msg_id: string;
  endpoint_id: string;
  status: DeliveryStatus;
  trigger: number;
  attempt_count: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
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
  request_headers: string;
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

/** JSON text of a value, or NULL for `null`/`undefined`. */
export function toJsonOrNull(value: unknown): string | null {
  return value == null ? null : JSON.stringify(value);
}

function parseOrNull<T>(text: string | null): T | null {
  return text == null ? null : (JSON.parse(text) as T);
}

export function toApplication(r: ApplicationRow): Application {
  return {
    id: r.id,
    uid: r.uid,
    name: r.name,
    metadata: JSON.parse(r.metadata),
    throttleRate: r.throttle_rate,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toEventType(r: EventTypeRow): EventType {
  return {
    name: r.name,
    description: r.description,
    archived: r.archived === 1,
    deprecated: r.deprecated === 1,
    featureFlag: r.feature_flag,
    schemas: parseOrNull(r.schemas),
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
    eventTypes: parseOrNull(r.event_types),
    channels: parseOrNull(r.channels),
    disabled: r.disabled === 1,
    metadata: JSON.parse(r.metadata),
    throttleRate: r.throttle_rate,
    headers: JSON.parse(r.headers),
    secrets: JSON.parse(r.secrets),
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
    channels: parseOrNull(r.channels),
    payload: r.payload,
    createdAt: r.created_at,
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
    requestHeaders: JSON.parse(r.request_headers),
    trigger: r.trigger as TriggerType,
    createdAt: r.created_at,
  };
}

export function toToken(r: TokenRow): ApiToken {
  return { id: r.id, hash: r.hash, appId: r.app_id, createdAt: r.created_at, expiresAt: r.expires_at };
}
