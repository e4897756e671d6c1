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

/**
 * The API's shapes. The sending side's are the server's own response schemas (type-only imports
 * of TypeBox schemas, nothing of the server in the bundle), so that they cannot drift; the
 * receive side's are written out below, as far as the pages read them.
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

export interface SourceResponse {
  status: number;
  body: string;
  contentType: string;
  headers: Record<string, string>;
  delayMs?: number;
  cors?: boolean;
}

export interface Source {
  id: string;
  uid: string | null;
  name: string;
  url: string;
  verification: { type: string } & Record<string, unknown>;
  response: SourceResponse;
  disabled: boolean;
  createdAt: string;
}

export interface InboundRequest {
  id: string;
  sourceId: string | null;
  method: string;
  path: string;
  query: string;
  headers: [string, string][];
  /** base64 */
  body: string;
  bodySize: number;
  /** Retention cleared the body and headers. */
  bodyExpired?: boolean;
  status: 'accepted' | 'rejected' | 'handshake';
  cause: string | null;
  detail: string | null;
  receivedAt: string;
}

export interface InboundEvent {
  id: string;
  requestId: string;
  connectionId: string | null;
  destinationId: string;
  status: string;
  attemptCount: number;
  nextAttempt: string | null;
  createdAt: string;
}

/** An attempt of a message (`msgId`) or of a received event (`eventId`), as the pages show both. */
export interface Attempt {
  id: string;
  url: string;
  msgId?: string;
  endpointId?: string;
  eventId?: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  status: number;
  triggerType: number;
  timestamp: string;
  requestHeaders?: Record<string, string> | [string, string][] | null;
}
