import type { Connection, DeliveryKind, Destination, Endpoint } from '../core/types.js';
import { type EventDeliveryRow, type RequestRow, toEventDelivery, toInboundRequest } from './inbound-rows.js';
import { type DeliveryRow, type MessageRow, toDelivery, toMessage } from './rows.js';
import type { ClaimedDelivery } from './store.js';

/**
 * A due delivery of any kind as both backends' claims read it: the delivery's columns, joined with
 * what it points at: its message's (`m_*`, kind `message`; the message's id and app_id are the
 * delivery's) or its request's (`r_*`, kind `event`). JSON columns come as the driver returns them
 * (text on SQLite, parsed on PostgreSQL), as in `rows.ts`.
 */
export interface DueRow extends Omit<DeliveryRow, 'app_id' | 'msg_id' | 'endpoint_id'> {
  kind: DeliveryKind;
  app_id: string | null;
  msg_id: string | null;
  endpoint_id: string | null;
  request_id: string | null;
  connection_id: string | null;
  destination_id: string | null;
  m_event_type: string | null;
  m_event_id: string | null;
  m_channels: MessageRow['channels'];
  m_payload: string | null;
  m_created_at: number | null;
  m_traceparent: string | null;
  r_source_id: string | null;
  r_method: string | null;
  r_path: string | null;
  r_headers: RequestRow['headers'] | null;
  r_body: Buffer | null;
  r_body_size: number | null;
  r_status: RequestRow['status'] | null;
  r_cause: RequestRow['cause'];
  r_detail: string | null;
  r_received_at: number | null;
}

/** What a claim's rows point at, each read once per batch by id. */
export interface ClaimTargets {
  endpoints: Map<string, Endpoint>;
  destinations: Map<string, Destination>;
  connections: Map<string, Connection>;
}

/**
 * The claimed delivery of a row, by its kind, with its endpoint, or destination and connection,
 * from the maps the claim loaded (each read once per batch). An endpoint or destination is always
 * found: deleting one deletes its deliveries, in the same transaction or statement as the claim's
 * read. A connection may be gone (its events stay).
 */
export function toClaimed(row: DueRow, targets: ClaimTargets): ClaimedDelivery {
  if (row.kind === 'event') {
    return {
      kind: 'event',
      delivery: toEventDelivery(row as EventDeliveryRow),
      request: toInboundRequest({
        id: row.request_id!,
        source_id: row.r_source_id,
        method: row.r_method!,
        path: row.r_path!,
        headers: row.r_headers!,
        body: row.r_body!,
        body_size: row.r_body_size!,
        status: row.r_status!,
        cause: row.r_cause,
        detail: row.r_detail,
        received_at: row.r_received_at!,
      }),
      destination: targets.destinations.get(row.destination_id!)!,
      connection: (row.connection_id && targets.connections.get(row.connection_id)) || null,
    };
  }
  const message = toMessage({
    id: row.msg_id!,
    app_id: row.app_id!,
    event_type: row.m_event_type!,
    event_id: row.m_event_id,
    channels: row.m_channels,
    payload: row.m_payload,
    created_at: row.m_created_at!,
    traceparent: row.m_traceparent,
  });
  return {
    kind: 'message',
    delivery: toDelivery(row as DeliveryRow),
    message,
    endpoint: targets.endpoints.get(row.endpoint_id!)!,
  };
}
