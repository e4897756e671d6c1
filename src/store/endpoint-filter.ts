import type { Endpoint, Message } from '../core/types.js';

/** The parts of an endpoint that decide which messages reach it. */
export type EndpointFilter = Pick<Endpoint, 'disabled' | 'eventTypes' | 'channels'>;

/**
 * Whether a message fans out to an endpoint: the endpoint is enabled, accepts the event type
 * (`eventTypes` null: all), and shares a channel with the message (`channels` null: all). An
 * endpoint that lists channels never gets a message without channels; a message with channels
 * still reaches endpoints that list none. Shared by every Store backend so fan-out and
 * replay-missing agree.
 */
export function endpointAccepts(
  endpoint: EndpointFilter,
  message: Pick<Message, 'eventType' | 'channels'>,
): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.eventTypes !== null && !endpoint.eventTypes.includes(message.eventType)) return false;
  if (endpoint.channels === null) return true;
  const channels = message.channels;
  return channels !== null && channels.some((c) => endpoint.channels!.includes(c));
}
