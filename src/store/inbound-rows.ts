import type {
  Connection,
  DedupSetting,
  Destination,
  DestinationKind,
  EventAttempt,
  EventDelivery,
  HeaderList,
  InboundRequest,
  RequestCause,
  RequestStatus,
  Source,
  SourceResponse,
  TriggerType,
} from '../core/types.js';
import { newId } from '../core/ids.js';
import type { Verification } from '../core/verify/types.js';
import type { RequestInput } from './store.js';
import { type DeliveryStateRow, type Flag, fromFlag, fromJson, type Json } from './rows.js';

/*
 * Rows of the inbound tables and of event deliveries, as both drivers return them (see rows.ts):
 * JSON columns are text on SQLite and already parsed on PostgreSQL; `body` is a Buffer on both
 * (BLOB, bytea).
 */

export interface RequestRow {
  id: string;
  source_id: string | null;
  method: string;
  path: string;
  headers: Json<[string, string][]>;
  body: Buffer;
  body_size: number;
  status: RequestStatus;
  cause: RequestCause | null;
  detail: string | null;
  received_at: number;
  pruned_at?: number | null;
}

export interface SourceRow {
  id: string;
  uid: string | null;
  name: string;
  verification: Json<Verification>;
  response: Json<SourceResponse> | null;
  dedup: Json<DedupSetting> | null;
  disabled: Flag;
  created_at: number;
  updated_at: number;
}

export interface DestinationRow {
  id: string;
  kind: DestinationKind;
  uid: string | null;
  name: string;
  url: string;
  headers: Json<Record<string, string>>;
  basic_auth: Json<{ username: string; password: string }> | null;
  throttle_rate: number | null;
  retry_schedule: Json<number[]> | null;
  timeout_ms: number | null;
  secret: string | null;
  disabled: Flag;
  created_at: number;
  updated_at: number;
}

export interface ConnectionRow {
  id: string;
  name: string;
  source_id: string;
  destination_id: string;
  filter: Json<Record<string, unknown>> | null;
  transform: string | null;
  disabled: Flag;
  created_at: number;
  updated_at: number;
}

/** A delivery row of kind `event` (or `cli`: an event for a CLI destination), by the columns a writer inserts. */
export interface EventDeliveryRow extends DeliveryStateRow {
  kind: 'event' | 'cli';
  request_id: string;
  connection_id: string | null;
  destination_id: string;
}

export function toInboundRequest(r: RequestRow): InboundRequest {
  return {
    id: r.id,
    sourceId: r.source_id,
    method: r.method,
    path: r.path,
    headers: fromJson(r.headers),
    body: r.body,
    bodySize: r.body_size,
    status: r.status,
    cause: r.cause,
    detail: r.detail,
    receivedAt: r.received_at,
    prunedAt: r.pruned_at ?? null,
  };
}

export function toSource(r: SourceRow): Source {
  return {
    id: r.id,
    uid: r.uid,
    name: r.name,
    verification: fromJson(r.verification),
    response: fromJson(r.response),
    dedup: fromJson(r.dedup),
    disabled: fromFlag(r.disabled),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toDestination(r: DestinationRow): Destination {
  return {
    id: r.id,
    kind: r.kind,
    uid: r.uid,
    name: r.name,
    url: r.url,
    headers: fromJson(r.headers),
    basicAuth: fromJson(r.basic_auth),
    throttleRate: r.throttle_rate,
    retrySchedule: fromJson(r.retry_schedule),
    timeoutMs: r.timeout_ms,
    secret: r.secret,
    disabled: fromFlag(r.disabled),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * A connection row; its filter is TEXT where the statement casts it (SQLite always), else
 * already parsed by node-postgres (then its text is serialized again: only the API shows it,
 * and the API's reads cast).
 */
export function toConnection(r: ConnectionRow): Connection {
  return {
    id: r.id,
    name: r.name,
    sourceId: r.source_id,
    destinationId: r.destination_id,
    filter: fromJson(r.filter),
    filterText: r.filter === null || typeof r.filter === 'string' ? r.filter : JSON.stringify(r.filter),
    transform: r.transform,
    disabled: fromFlag(r.disabled),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toEventDelivery(r: EventDeliveryRow): EventDelivery {
  return {
    id: r.id,
    requestId: r.request_id,
    connectionId: r.connection_id,
    destinationId: r.destination_id,
    status: r.status,
    trigger: r.trigger as TriggerType,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * A new event, due now (the trigger is Scheduled: 0): delivery kind `event`, or `cli` when its
 * destination is a CLI session's (the engine never claims those; see core/types.ts).
 */
export function newEventDeliveryRow(
  requestId: string,
  route: { connectionId: string | null; destinationId: string },
  now: number,
  destinationKind: DestinationKind = 'http',
): EventDeliveryRow {
  return {
    id: newId('evt', now),
    kind: destinationKind === 'cli' ? 'cli' : 'event',
    request_id: requestId,
    connection_id: route.connectionId,
    destination_id: route.destinationId,
    status: 'pending',
    trigger: 0,
    attempt_count: 0,
    next_attempt_at: now,
    lease_owner: null,
    lease_until: null,
    created_at: now,
    updated_at: now,
  };
}

/** Headers as stored: JSON text of the `[name, value]` pairs, in order. */
export function headersJson(headers: HeaderList): string {
  return JSON.stringify(headers);
}

/** An attempt row of kind `event` (its message columns are null). */
export interface EventAttemptRow {
  id: string;
  delivery_id: string;
  request_id: string;
  destination_id: string;
  url: string;
  status: 'success' | 'fail';
  response_status_code: number;
  response: string;
  response_duration_ms: number;
  request_headers: Json<Record<string, string>>;
  trigger: number;
  created_at: number;
}

export function toEventAttempt(r: EventAttemptRow): EventAttempt {
  return {
    kind: 'event',
    id: r.id,
    deliveryId: r.delivery_id,
    requestId: r.request_id,
    destinationId: r.destination_id,
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

/** The row of a new request, with its verdict (accepted unless the input says otherwise). */
export function newRequestRow(input: RequestInput, now: number): Omit<RequestRow, 'headers'> & { headers: string } {
  return {
    id: newId('req', now),
    source_id: input.sourceId,
    method: input.method,
    path: input.path,
    headers: headersJson(input.headers),
    body: input.body,
    body_size: input.bodySize ?? input.body.length,
    status: input.status ?? 'accepted',
    cause: input.cause ?? null,
    detail: input.detail ?? null,
    received_at: now,
  };
}
