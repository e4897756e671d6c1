import type {
  Destination,
  EventAttempt,
  EventDelivery,
  HeaderList,
  InboundRequest,
  TriggerType,
} from '../core/types.js';
import { newId } from '../core/ids.js';
import type { DeliveryStateRow } from './rows.js';

/*
 * Rows of the inbound tables and of event deliveries, as both drivers return them (see rows.ts):
 * `headers` is JSON text on SQLite and already parsed on PostgreSQL; `body` is a Buffer on both
 * (BLOB, bytea).
 */

export interface RequestRow {
  id: string;
  source_id: string | null;
  method: string;
  path: string;
  headers: string | [string, string][];
  body: Buffer;
  received_at: number;
}

export interface DestinationRow {
  id: string;
  url: string;
  created_at: number;
}

/** A delivery row of kind `event`, by the columns a writer inserts. */
export interface EventDeliveryRow extends DeliveryStateRow {
  kind: 'event';
  request_id: string;
  destination_id: string;
}

export function toInboundRequest(r: RequestRow): InboundRequest {
  const headers = typeof r.headers === 'string' ? (JSON.parse(r.headers) as [string, string][]) : r.headers;
  return {
    id: r.id,
    sourceId: r.source_id,
    method: r.method,
    path: r.path,
    headers,
    body: r.body,
    receivedAt: r.received_at,
  };
}

export function toDestination(r: DestinationRow): Destination {
  return { id: r.id, url: r.url, createdAt: r.created_at };
}

export function toEventDelivery(r: EventDeliveryRow): EventDelivery {
  return {
    id: r.id,
    requestId: r.request_id,
    destinationId: r.destination_id,
    status: r.status,
    trigger: r.trigger as TriggerType,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A new event delivery row, due now (the trigger is Scheduled: 0). */
export function newEventDeliveryRow(requestId: string, destinationId: string, now: number): EventDeliveryRow {
  return {
    id: newId('dlv', now),
    kind: 'event',
    request_id: requestId,
    destination_id: destinationId,
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
  request_headers: string | Record<string, string>;
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
    requestHeaders:
      typeof r.request_headers === 'string'
        ? (JSON.parse(r.request_headers) as Record<string, string>)
        : r.request_headers,
    trigger: r.trigger as TriggerType,
    createdAt: r.created_at,
  };
}
