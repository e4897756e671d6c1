import type { Config } from '../config/config.js';
import type { ClaimedDelivery } from '../store/store.js';
import { buildEventRequest } from './event-request.js';
import type { SendRequest } from './http-sender.js';
import { buildMessageRequest } from './message-request.js';

/** What an attempt row points at, per kind (the fields `AttemptRecord` adds to an attempt's own). */
type AttemptTarget =
  | { kind: 'message'; appId: string; msgId: string; endpointId: string }
  | { kind: 'event'; requestId: string; destinationId: string };

/** One attempt, ready to send: the request, or why it can never be sent, and what the attempt row records. */
type BuiltAttempt = { target: AttemptTarget; url: string } & (
  | { request: SendRequest }
  /** The delivery fails at once, without a request (e.g. the message's content was expunged). */
  | { request: null; refusal: string }
);

/** One request builder per delivery kind: the engine looks the claimed delivery's kind up here. */
export type RequestBuilders = {
  [K in ClaimedDelivery['kind']]: (claimed: Extract<ClaimedDelivery, { kind: K }>, nowMs: number) => BuiltAttempt;
};

/** hookd's builders: Standard Webhooks signing for messages, a byte-exact forward for events. */
export function createRequestBuilders(headerStyle: Config['headerStyle']): RequestBuilders {
  return {
    message({ delivery, message, endpoint }, nowMs) {
      const target = {
        kind: 'message',
        appId: delivery.appId,
        msgId: delivery.msgId,
        endpointId: delivery.endpointId,
      } as const;
      if (message.payload === null)
        return { target, url: endpoint.url, request: null, refusal: 'the message content was expunged' };
      return {
        target,
        url: endpoint.url,
        request: buildMessageRequest(endpoint, message.id, message.payload, headerStyle, nowMs),
      };
    },
    event({ delivery, request, destination }) {
      const target = { kind: 'event', requestId: delivery.requestId, destinationId: delivery.destinationId } as const;
      const built = buildEventRequest(request, destination);
      return { target, url: built.url, request: built };
    },
  };
}

/** Builds the attempt of any claimed delivery with the builder of its kind. */
export function buildAttempt(builders: RequestBuilders, claimed: ClaimedDelivery, nowMs: number): BuiltAttempt {
  const build = builders[claimed.kind] as (c: ClaimedDelivery, n: number) => BuiltAttempt;
  return build(claimed, nowMs);
}
