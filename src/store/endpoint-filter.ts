import { NotFoundError } from '../core/errors.js';
import type { Endpoint, Message } from '../core/types.js';
import type { MessageInput } from './store.js';

/** The parts of an endpoint that decide which messages reach it. */
type EndpointFilter = Pick<Endpoint, 'disabled' | 'eventTypes' | 'channels'>;

/**
 * Whether a message fans out to an endpoint: the endpoint is enabled, accepts the event type
 * (`eventTypes` null: all), and shares a channel with the message (`channels` null: all). An
 * endpoint that lists channels never gets a message without channels; a message with channels
 * still reaches endpoints that list none. Shared by every Store backend so fan-out and
 * replay-missing agree.
 */
export function endpointAccepts(endpoint: EndpointFilter, message: Pick<Message, 'eventType' | 'channels'>): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.eventTypes !== null && !endpoint.eventTypes.includes(message.eventType)) return false;
  if (endpoint.channels === null) return true;
  const channels = message.channels;
  return channels?.some((c) => endpoint.channels!.includes(c)) ?? false;
}

/** An application, found by id or uid, and its whole endpoints: what a message writer plans a batch with. */
export interface AppEndpoints {
  appId: string;
  endpoints: Endpoint[];
}

/**
 * The endpoints a new message fans out to; with `onlyEndpointId` (send-example), that endpoint by
 * id or uid, whatever its filters. Throws `NotFoundError('endpoint')` when it does not exist.
 */
export function fanoutTargets(
  input: Pick<MessageInput, 'eventType' | 'channels' | 'onlyEndpointId'>,
  endpoints: Endpoint[],
): Endpoint[] {
  const only = input.onlyEndpointId;
  if (only === undefined) {
    const message = { eventType: input.eventType, channels: input.channels ?? null };
    return endpoints.filter((e) => endpointAccepts(e, message));
  }
  const endpoint = endpoints.find((e) => e.id === only) ?? endpoints.find((e) => e.uid === only);
  if (!endpoint) throw new NotFoundError('endpoint');
  return [endpoint];
}

/** The key of a message's (application, eventId) within a batch, or null without an eventId. */
export function eventKey(appId: string, input: Pick<MessageInput, 'eventId'>): string | null {
  return input.eventId == null ? null : `${appId}\n${input.eventId}`;
}
