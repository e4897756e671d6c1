import { withMemberText } from '../core/json-text.js';
import type { Connection, Destination, EventAttempt, EventDelivery, InboundRequest, Source } from '../core/types.js';
import { iso, statusOf } from '../outbound/serialize.js';
import { DEFAULT_RESPONSE } from './ingest.js';

/**
 * Domain objects of the receive side → JSON: times as ISO 8601 strings as in the sending API,
 * bodies as base64, headers as `[name, value]` pairs in arrival order (names may repeat).
 */

/** SourceOut: `url` is where providers send, under `config.publicUrl`; `response` the one in effect. */
export function sourceOut(source: Source, publicUrl: string) {
  return {
    id: source.id,
    uid: source.uid,
    name: source.name,
    url: `${publicUrl.replace(/\/+$/, '')}/in/${source.id}`,
    verification: source.verification,
    response: { delayMs: 0, cors: false, ...(source.response ?? DEFAULT_RESPONSE) },
    dedup: source.dedup,
    disabled: source.disabled,
    createdAt: iso(source.createdAt),
    updatedAt: iso(source.updatedAt),
  };
}

export function destinationOut(destination: Destination) {
  return {
    id: destination.id,
    kind: destination.kind,
    uid: destination.uid,
    name: destination.name,
    url: destination.url,
    headers: destination.headers,
    basicAuth: destination.basicAuth,
    throttleRate: destination.throttleRate,
    retrySchedule: destination.retrySchedule,
    timeoutMs: destination.timeoutMs,
    secret: destination.secret,
    disabled: destination.disabled,
    createdAt: iso(destination.createdAt),
    updatedAt: iso(destination.updatedAt),
  };
}

/**
 * ConnectionOut in JSON text: the filter spliced in as stored (the customer's text, compacted),
 * so that its numbers read back as written.
 */
export function connectionJson(connection: Connection): string {
  const fields = {
    id: connection.id,
    name: connection.name,
    sourceId: connection.sourceId,
    destinationId: connection.destinationId,
    transform: connection.transform,
    disabled: connection.disabled,
    createdAt: iso(connection.createdAt),
    updatedAt: iso(connection.updatedAt),
  };
  return withMemberText(fields, 'filter', connection.filterText ?? 'null');
}

/** RequestOut: the stored `path` (`/orders?id=1`) split at its first `?` into `path` and `query`. */
export function requestOut(request: InboundRequest) {
  const at = request.path.indexOf('?');
  return {
    id: request.id,
    sourceId: request.sourceId,
    method: request.method,
    path: at === -1 ? request.path : request.path.slice(0, at),
    query: at === -1 ? '' : request.path.slice(at + 1),
    headers: request.headers.map(([name, value]) => [name, value]),
    body: request.body.toString('base64'),
    bodySize: request.bodySize,
    bodyExpired: request.prunedAt != null,
    status: request.status,
    cause: request.cause,
    detail: request.detail,
    receivedAt: iso(request.receivedAt),
  };
}

/** EventOut: `status` is the delivery state by name (`pending`, `sending`, `success`, `fail`, `canceled`). */
export function eventOut(event: EventDelivery) {
  return {
    id: event.id,
    requestId: event.requestId,
    connectionId: event.connectionId,
    destinationId: event.destinationId,
    status: event.status,
    attemptCount: event.attemptCount,
    nextAttempt: event.nextAttemptAt === null ? null : iso(event.nextAttemptAt),
    trigger: event.trigger,
    createdAt: iso(event.createdAt),
    updatedAt: iso(event.updatedAt),
  };
}

/** An event's attempt in the sending API's MessageAttemptOut shape, `eventId`/`requestId`/`destinationId` for its pointers. */
export function eventAttemptOut(attempt: EventAttempt) {
  return {
    id: attempt.id,
    eventId: attempt.deliveryId,
    requestId: attempt.requestId,
    destinationId: attempt.destinationId,
    url: attempt.url,
    response: attempt.response,
    responseStatusCode: attempt.responseStatusCode,
    responseDurationMs: attempt.responseDurationMs,
    ...statusOf(attempt.status, true),
    triggerType: attempt.trigger,
    timestamp: iso(attempt.createdAt),
  };
}
