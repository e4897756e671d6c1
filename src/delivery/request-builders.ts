import type { Config } from '../config/config.js';
import type { ClaimedDelivery } from '../store/store.js';
import { type BuiltEvent, buildEventRequest, type TransformRunner } from './event-request.js';
import type { SendRequest } from './http-sender.js';
import { buildMessageRequest } from './message-request.js';
import { type AttemptSpan, startAttemptSpan } from './attempt-span.js';

/** What an attempt row points at, per kind (the fields `AttemptRecord` adds to an attempt's own). */
type AttemptTarget =
  | { kind: 'message'; appId: string; msgId: string; endpointId: string }
  | { kind: 'event'; requestId: string; destinationId: string };

/**
 * One attempt, ready to send: the request, or why it can never be sent, and what the attempt row
 * records; with the delivery's own retry schedule (seconds) when it has one.
 */
type BuiltAttempt = {
  target: AttemptTarget;
  url: string;
  retrySchedule?: readonly number[] | null;
  /** The attempt's trace span, when its message carries a traceparent: ended by the engine with the response. */
  span?: AttemptSpan | null;
} & (
  | { request: SendRequest }
  /**
   * The delivery ends at once with `status`, without a request (e.g. the message's content was
   * expunged: `fail`; a transform dropped the event: `canceled`).
   */
  | { request: null; refusal: string; status: 'fail' | 'canceled' }
);

/**
 * One request builder per delivery kind: the engine looks the claimed delivery's kind up here. A
 * builder answers at once, or with a promise when it has work off the main thread (an event's
 * transform): the engine awaits only a promise, so a message costs no microtask.
 */
export type RequestBuilders = {
  [K in ClaimedDelivery['kind']]: (
    claimed: Extract<ClaimedDelivery, { kind: K }>,
    nowMs: number,
  ) => BuiltAttempt | Promise<BuiltAttempt>;
};

/**
 * hookd's builders: Standard Webhooks signing for messages, a byte-exact forward for events
 * (through the connection's transform when it has one and `runTransform` is given).
 */
export function createRequestBuilders(
  headerStyle: Config['headerStyle'],
  runTransform?: TransformRunner,
): RequestBuilders {
  return {
    message({ delivery, message, endpoint }, nowMs) {
      const target = {
        kind: 'message',
        appId: delivery.appId,
        msgId: delivery.msgId,
        endpointId: delivery.endpointId,
      } as const;
      if (message.payload === null)
        return {
          target,
          url: endpoint.url,
          request: null,
          refusal: 'the message content was expunged',
          status: 'fail',
        };
      // A message created with a traceparent: each attempt is a child span of it.
      const span = startAttemptSpan(message.traceparent, endpoint.url);
      const request = buildMessageRequest(endpoint, message.id, message.payload, headerStyle, nowMs, span?.traceparent);
      return { target, url: endpoint.url, request, span };
    },
    event(claimed, nowMs) {
      const { delivery, destination } = claimed;
      const target = { kind: 'event', requestId: delivery.requestId, destinationId: delivery.destinationId } as const;
      const toAttempt = (built: BuiltEvent): BuiltAttempt => ({
        target,
        url: built.request?.url ?? destination.url,
        retrySchedule: destination.retrySchedule,
        ...built,
      });
      const built = buildEventRequest(claimed, nowMs, runTransform);
      return built instanceof Promise ? built.then(toAttempt) : toAttempt(built);
    },
  };
}

/** Builds the attempt of any claimed delivery with the builder of its kind (see RequestBuilders). */
export function buildAttempt(
  builders: RequestBuilders,
  claimed: ClaimedDelivery,
  nowMs: number,
): BuiltAttempt | Promise<BuiltAttempt> {
  const build = builders[claimed.kind] as (c: ClaimedDelivery, n: number) => BuiltAttempt | Promise<BuiltAttempt>;
  return build(claimed, nowMs);
}
