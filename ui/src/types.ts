import type { Static } from 'typebox';
import type { DeadLetterOut as DeadLetterSchema } from '../../src/dashboard/dashboard-schemas';
import type {
  EndpointOut,
  EndpointHeadersOut,
  EndpointStats as EndpointStatsSchema,
} from '../../src/outbound/endpoint-schemas';
import type {
  EndpointMessageOut,
  MessageAttemptOut,
  MessageEndpointOut,
  MessageOut,
} from '../../src/outbound/message-schemas';
import type { ApplicationOut, EventTypeOut } from '../../src/outbound/schemas';
import type {
  ConnectionCheckOut,
  ConnectionOut,
  DestinationOut,
  EventAttemptOut,
  EventOut,
  ReplayToUrlOut,
  RequestOut,
  SourceOut,
} from '../../src/inbound/schemas';

/**
 * The API's shapes: the server's own response schemas, both sides (type-only imports of TypeBox
 * schemas, nothing of the server in the bundle), so that they cannot drift.
 */

export type Application = Static<typeof ApplicationOut>;
export type Endpoint = Static<typeof EndpointOut>;
export type EndpointHeaders = Static<typeof EndpointHeadersOut>;
export type EndpointStats = Static<typeof EndpointStatsSchema>;
export type Message = Static<typeof MessageOut>;
/** A message with the state of its delivery to one endpoint. */
export type EndpointMessage = Static<typeof EndpointMessageOut>;
/** An endpoint with the state of one message's delivery to it. */
export type MessageEndpoint = Static<typeof MessageEndpointOut>;
export type MessageAttempt = Static<typeof MessageAttemptOut>;
export type EventType = Static<typeof EventTypeOut>;
export type DeadLetter = Static<typeof DeadLetterSchema>;

export type Source = Static<typeof SourceOut>;
export type SourceResponse = Source['response'];
/** A request a source received (`body` base64; `headers` `[name, value]` pairs in arrival order). */
export type InboundRequest = Static<typeof RequestOut>;
/** What a request became for one connection's destination. */
export type InboundEvent = Static<typeof EventOut>;
export type EventAttempt = Static<typeof EventAttemptOut>;
export type Destination = Static<typeof DestinationOut>;
export type Connection = Static<typeof ConnectionOut>;
/** `POST /api/v1/connection/check`: one verdict per field given. */
export type ConnectionCheck = Static<typeof ConnectionCheckOut>;
/** `POST /api/v1/request/{id}/replay-to-url`. */
export type ReplayResult = Static<typeof ReplayToUrlOut>;
