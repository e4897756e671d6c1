import type { ApiToken } from '../../core/types.js';

export interface StoredResponse {
  statusCode: number;
  body: string;
}

export type IdempotencyState = { state: 'new' } | { state: 'running' } | { state: 'done'; response: StoredResponse };

/** API tokens (stored hashed), server settings and idempotency keys. */
export interface AuthStore {
  /** `ConflictError` for a hash already stored; `NotFoundError('application')` for an unknown `appId`. */
  createToken(token: ApiToken): Promise<void>;
  /** The token whatever its expiry: the caller decides what an expired token means. */
  findTokenByHash(hash: string): Promise<ApiToken | null>;
  /** Deletes the token with this hash (an app-portal or dashboard logout); `false` when there was none. */
  deleteToken(hash: string): Promise<boolean>;
  /** A small key/value table for server settings, e.g. the admin token's hash. */
  getSetting(key: string): Promise<string | null>;
  /**
   * Stores `value` unless the key already holds one, atomically (two processes starting at once
   * agree on one value); returns the value the key holds afterwards.
   */
  initSetting(key: string, value: string): Promise<string>;
  /**
   * Claims an idempotency key until `expiresAt` (a short lease: if the process dies mid-request,
   * the key frees itself). `new`: the caller runs the request and then calls
   * `completeIdempotency`. `done`: the first response, to replay. `running`: another request with
   * the same key has not finished yet. Keys are scoped by the caller (token and path).
   */
  beginIdempotency(key: string, now: number, expiresAt: number): Promise<IdempotencyState>;
  /** Stores the response to replay, until `expiresAt`. */
  completeIdempotency(key: string, response: StoredResponse, expiresAt: number): Promise<void>;
  /** Forgets a key whose request failed before it produced a response worth replaying. */
  abandonIdempotency(key: string): Promise<void>;
}
