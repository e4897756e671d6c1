import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { ForbiddenError, UnauthorizedError } from '../core/errors.js';
import type { ApiToken } from '../core/types.js';
import type { ApiRateLimits } from './api-rate-limits.js';
import { hashToken } from './api-tokens.js';
import { CSRF_HEADER, sessionTokenOf } from './session-cookie.js';

/** Who is calling: the hash of their token (it scopes idempotency keys) and the app they are limited to. */
export interface AuthContext {
  tokenHash: string;
  /** `null`: admin. Otherwise the only application this token reaches. */
  appId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the bearer-auth hook on every authenticated route of a face that installs it. */
    auth: AuthContext | null;
  }
}

export interface BearerAuthOptions {
  /** The admin token's SHA-256 hash (hex), or null when there is none. */
  adminTokenHash: string | null;
  /** The stored token with this hash, or null. */
  findToken: (tokenHash: string) => Promise<ApiToken | null>;
  /** Epoch ms, to expire tokens. */
  now: () => number;
  /** Routes, as registered (e.g. `/api/v1/health`), that answer without a token. */
  publicRoutes: ReadonlySet<string>;
  /**
   * Called for a token limited to one application, with the matched route; throws
   * `ForbiddenError` when that route is outside what the token may reach.
   */
  checkScope: (request: FastifyRequest, route: string, appId: string) => Promise<void>;
  /** Failed-authentication and per-token limits (`http/api-rate-limits.ts`); none when absent. */
  rateLimits?: ApiRateLimits;
}

/**
 * Checks `Authorization: Bearer <token>` on every route of `app` (a face's encapsulated
 * instance) but `publicRoutes`: a missing, unknown or expired token is a 401. Hashes are compared,
 * never the tokens themselves; the admin hash in constant time. Without an `Authorization`
 * header, the dashboard's session cookie is the token; a cookie-authenticated request that is not
 * a GET or HEAD must also carry the `x-hookd-csrf` header (403 otherwise).
 */
export function installBearerAuth(app: FastifyInstance, options: BearerAuthOptions): void {
  const { publicRoutes, checkScope, rateLimits } = options;
  const authOf = tokenResolver(options);
  // Each request hashes its token: a new SHA-256 object per request was ~7 µs of every message
  // on the send path. A few callers send most requests; a bounded cache keeps their hashes.
  const hashes = new LRUCache<string, string>({ max: TOKEN_HASH_CACHE_SIZE });
  const refuse = async (request: FastifyRequest, tokenHash: string | null): Promise<never> => {
    await rateLimits?.failed(request, tokenHash);
    throw new UnauthorizedError();
  };

  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    // No route matched: let the 404 handler answer; there is nothing to protect.
    if (route === undefined || publicRoutes.has(route)) return;
    const token = bearerToken(request) ?? sessionToken(request);
    if (token === null) return refuse(request, null);
    let tokenHash = hashes.get(token);
    if (tokenHash === undefined) {
      tokenHash = hashToken(token);
      hashes.set(token, tokenHash);
    }
    const hash = tokenHash;
    const auth = await authOf(hash, () => rateLimits?.checkToken(request, hash));
    if (auth === null) return refuse(request, hash);
    request.auth = auth;
    await rateLimits?.admitted(request, hash);
    if (auth.appId !== null) await checkScope(request, route, auth.appId);
  });
}

/** Distinct tokens whose hashes are kept (a token is ~40 bytes, its hash 64). */
const TOKEN_HASH_CACHE_SIZE = 1_000;

/**
 * Who a token is, by its hash: the admin (compared in constant time), a stored live token, or
 * null (unknown or expired). `beforeLookup` runs before a non-admin hash is looked up (the
 * failed-authentication limit refuses a token that failed too often before it costs a query).
 */
export function tokenResolver(
  options: Pick<BearerAuthOptions, 'adminTokenHash' | 'findToken' | 'now'>,
): (tokenHash: string, beforeLookup?: () => Promise<void> | undefined) => Promise<AuthContext | null> {
  const { findToken, now } = options;
  const adminHashBytes = options.adminTokenHash !== null ? Buffer.from(options.adminTokenHash, 'hex') : null;
  return async (tokenHash, beforeLookup) => {
    if (adminHashBytes !== null && timingSafeEqual(Buffer.from(tokenHash, 'hex'), adminHashBytes))
      return { tokenHash, appId: null };
    await beforeLookup?.();
    const stored = await findToken(tokenHash);
    if (stored === null || (stored.expiresAt !== null && stored.expiresAt <= now())) return null;
    return { tokenHash, appId: stored.appId };
  };
}

/** The session cookie's token; for a change, only with the CSRF header. */
function sessionToken(request: FastifyRequest): string | null {
  const token = sessionTokenOf(request.headers.cookie);
  if (token === null) return null;
  const safe = request.method === 'GET' || request.method === 'HEAD';
  if (!safe && request.headers[CSRF_HEADER] === undefined)
    throw new ForbiddenError(`a change made with the session cookie needs the ${CSRF_HEADER} header`);
  return token;
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
