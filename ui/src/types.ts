/** The API's shapes, as far as the pages read them. */

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

export interface Application {
  id: string;
  uid: string | null;
  name: string;
  createdAt: string;
}

export interface Endpoint {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  eventTypes: string[] | null;
  channels: string[] | null;
  disabled: boolean;
  throttleRate: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface Message {
  id: string;
  eventType: string;
  eventId: string | null;
  payload: unknown;
  channels: string[] | null;
  timestamp: string;
}

export interface EventType {
  name: string;
  description: string;
  schemas: Record<string, unknown> | null;
  archived: boolean;
}
