/** The receive API's destinations and connections, as the pages read and write them. */

export interface Destination {
  id: string;
  kind: 'http' | 'cli';
  uid: string | null;
  name: string;
  url: string;
  headers: Record<string, string>;
  basicAuth: { username: string; password: string } | null;
  /** Requests per second at most; null: no limit. */
  throttleRate: number | null;
  /** Seconds after each failure; null: the server's schedule. */
  retrySchedule: number[] | null;
  timeoutMs: number | null;
  /** A Standard Webhooks `whsec_` secret that re-signs each forward; null: none. */
  secret: string | null;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Connection {
  id: string;
  name: string;
  sourceId: string;
  destinationId: string;
  filter: Record<string, unknown> | null;
  transform: string | null;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** `POST /api/v1/connection/check`: one verdict per field given. */
export interface ConnectionCheck {
  filter: { valid: boolean; detail: string | null } | null;
  transform: { valid: boolean; detail: string | null } | null;
}

/** `POST /api/v1/request/{id}/replay-to-url`. */
export interface ReplayResult {
  url: string;
  outcome: 'response' | 'timeout' | 'connection';
  responseStatusCode: number;
  response: string;
  responseDurationMs: number;
}
