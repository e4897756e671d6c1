import type { Application, Attempt, DeliveryStatus, Endpoint, EventType, Message } from '../core/types.js';
import { withMemberText } from '../core/json-text.js';
import type { EndpointMessage, MessageDestination } from '../store/store.js';

/**
 * Domain objects → Svix JSON. Times become ISO 8601 strings; delivery states become Svix's
 * MessageStatus numbers and text.
 *
 * Canceled deliveries: Svix's original MessageStatus has 0-3 only, and strictly typed SDKs of
 * that era reject an unknown number. So canceled is reported as fail (2, "fail") unless the
 * client asks `expanded_statuses=true` (newer svix SDKs always do), which gets 4 "canceled".
 */

/** Epoch ms → ISO 8601 (`2024-01-01T00:00:00.000Z`), as Svix writes times. */
export const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

const STATUS_NUMBER: Record<DeliveryStatus, 0 | 1 | 2 | 3 | 4> = {
  success: 0,
  pending: 1,
  fail: 2,
  sending: 3,
  canceled: 4,
};

/** `{status, statusText}` of a delivery state, canceled folded into fail unless `expanded`. */
export function statusOf(status: DeliveryStatus, expanded: boolean) {
  const shown: DeliveryStatus = status === 'canceled' && !expanded ? 'fail' : status;
  return { status: STATUS_NUMBER[shown], statusText: shown };
}

/** The DeliveryStatus that a MessageStatus number in a query means. */
export function deliveryStatusOf(status: number): DeliveryStatus {
  return (['success', 'pending', 'fail', 'sending', 'canceled'] as const)[status];
}

/** ApplicationOut. */
export function applicationOut(app: Application) {
  return {
    id: app.id,
    uid: app.uid,
    name: app.name,
    metadata: app.metadata,
    throttleRate: app.throttleRate,
    createdAt: iso(app.createdAt),
    updatedAt: iso(app.updatedAt),
  };
}

/**
 * EventTypeOut in JSON text: the schemas spliced in as stored (the customer's text, compacted),
 * so that their examples keep every number as written; `withContent: false` (lists without
 * `with_content`) leaves them out (`null`).
 */
export function eventTypeJson(eventType: EventType, withContent = true): string {
  const fields = {
    name: eventType.name,
    description: eventType.description,
    archived: eventType.archived,
    deprecated: eventType.deprecated,
    featureFlag: eventType.featureFlag,
    featureFlags: eventType.featureFlag === null ? null : [eventType.featureFlag],
    createdAt: iso(eventType.createdAt),
    updatedAt: iso(eventType.updatedAt),
  };
  return withMemberText(fields, 'schemas', (withContent ? eventType.schemas : null) ?? 'null');
}

/** EndpointOut. Secrets and headers have their own routes and never appear here. */
export function endpointOut(endpoint: Endpoint) {
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    disabled: endpoint.disabled,
    eventTypes: endpoint.eventTypes,
    channels: endpoint.channels,
    metadata: endpoint.metadata,
    throttleRate: endpoint.throttleRate,
    maxConcurrency: endpoint.maxConcurrency,
    ordered: endpoint.ordered,
    createdAt: iso(endpoint.createdAt),
    updatedAt: iso(endpoint.updatedAt),
  };
}

/**
 * A message as MessageOut, in JSON text: the payload is spliced in as stored (the text the
 * customer sent, compacted), never parsed and re-serialized, so that every number keeps its
 * digits (`12345678901234567890`, `1.0`). `payloadText` is the payload when the caller already
 * has it; an expunged payload is `{}`, and so is every payload when the caller asked
 * `with_content=false` (MessageOut requires the field).
 */
export function messageJson(message: Message, withContent: boolean, payloadText = message.payload): string {
  return withMemberText(messageFields(message), 'payload', withContent ? (payloadText ?? '{}') : '{}');
}

/** A message as MessageOut without its payload (`{}`): an attempt's `msg` with `with_msg`, as Svix shows it. */
export function messageOutWithoutPayload(message: Message) {
  return { ...messageFields(message), payload: {} };
}

function messageFields(message: Message) {
  return {
    id: message.id,
    eventType: message.eventType,
    eventId: message.eventId,
    channels: message.channels,
    timestamp: iso(message.createdAt),
  };
}

/** MessageAttemptOut; `withContent: false` blanks the response body. */
export function attemptOut(attempt: Attempt, options: { expanded: boolean; withContent: boolean }) {
  return {
    id: attempt.id,
    msgId: attempt.msgId,
    endpointId: attempt.endpointId,
    url: attempt.url,
    response: options.withContent ? attempt.response : '',
    responseStatusCode: attempt.responseStatusCode,
    responseDurationMs: attempt.responseDurationMs,
    ...statusOf(attempt.status, options.expanded),
    triggerType: attempt.trigger,
    timestamp: iso(attempt.createdAt),
    ...(options.withContent ? { requestHeaders: attempt.requestHeaders } : {}),
  };
}

/** EndpointMessageOut, in JSON text: a message with the state of its delivery to one endpoint. */
export function endpointMessageJson(row: EndpointMessage, options: { expanded: boolean; withContent: boolean }) {
  const fields = {
    ...messageFields(row.message),
    ...statusOf(row.status, options.expanded),
    nextAttempt: isoOrNull(row.nextAttemptAt),
  };
  return withMemberText(fields, 'payload', (options.withContent ? row.message.payload : null) ?? '{}');
}

/** MessageEndpointOut: an endpoint with the state of one message's delivery to it. */
export function messageEndpointOut(row: MessageDestination, expanded: boolean) {
  const { metadata: _metadata, ...endpoint } = endpointOut(row.endpoint);
  return { ...endpoint, ...statusOf(row.status, expanded), nextAttempt: isoOrNull(row.nextAttemptAt) };
}
