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
} from '../../core/types.js';

/**
 * Rows as node-postgres returns them from this schema: snake_case, int8 already numbers (see
 * `connectionConfig`), booleans as booleans, json/jsonb columns already parsed.
 */
export interface ApplicationRow {
  id: string;
  uid: string | null;
  name: string;
  metadata: Metadata;
  throttle_rate: number | null;
  created_at: number;
  updated_at: number;
}

export interface EventTypeRow {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  feature_flag: string | null;
  schemas: Record<string, unknown> | null;
  created_at: number;
  updated_at: number;
}

export interface EndpointRow {
  id: string;
  app_id: string;
  uid: string | null;
  url: string;
  description: string;
  event_types: string[] | null;
  channels: string[] | null;
  disabled: boolean;
  metadata: Metadata;
  throttle_rate: number | null;
  headers: Record<string, string>;
  secrets: EndpointSecret[];
  created_at: number;
  updated_at: number;
}

export interface MessageRow {
  id: string;
  app_id: string;
  event_type: string;
  event_id: string | null;
  channels: string[] | null;
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
  request_headers: Record<string, string>;
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

/** JSON text for a json/jsonb parameter, or NULL. Always text: node-postgres would turn a JS array into a PostgreSQL array. */
export function toJsonOrNull(value: unknown): string | null {
  return value == null ? null : JSON.stringify(value);
}

export function toApplication(r: ApplicationRow): Application {
  return {
    id: r.id,
    uid: r.uid,
    name: r.name,
    metadata: r.metadata,
    throttleRate: r.throttle_rate,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toEventType(r: EventTypeRow): EventType {
  return {
    name: r.name,
    description: r.description,
    archived: r.archived,
    deprecated: r.deprecated,
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
    eventTypes: r.event_types,
    channels: r.channels,
    disabled: r.disabled,
    metadata: r.metadata,
    throttleRate: r.throttle_rate,
    headers: r.headers,
    secrets: r.secrets,
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
    channels: r.channels,
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
    requestHeaders: r.request_headers,
    trigger: r.trigger as TriggerType,
    createdAt: r.created_at,
  };
}

export function toToken(r: TokenRow): ApiToken {
  return { id: r.id, hash: r.hash, appId: r.app_id, createdAt: r.created_at, expiresAt: r.expires_at };
}
