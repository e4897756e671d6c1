import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { RateLimitedError } from '../core/errors.js';
import type { RateLimitCounters } from '../store/store.js';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's rate limits (failed authentication, requests per token); see `installApiRateLimits`. */
    apiRateLimits: ApiRateLimits;
  }
}

/**
 * What bearer auth asks before and after it checks a token. Each method throws
 * `RateLimitedError` (429, `Retry-After`) when the caller is over a limit.
 */
export interface ApiRateLimits {
  /** Before the token is looked up: a token that failed too often is refused without a query. */
  checkToken(request: FastifyRequest, tokenHash: string): Promise<void>;
  /** A missing, unknown or expired token: counted against the address and the token. */
  failed(request: FastifyRequest, tokenHash: string | null): Promise<void>;
  /** A valid token: counted against its own request rate, when one is set. */
  admitted(request: FastifyRequest, tokenHash: string): Promise<void>;
}

/**
 * `@fastify/rate-limit` over the store's counters (`RateLimitCounters`): a table on PostgreSQL, so
 * every API process counts the same failures; memory on SQLite (one process).
 */
function countersStore(counters: RateLimitCounters) {
  return class CountersStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      windowMs: number,
    ) {
      const now = Date.now();
      counters.hit(key, windowMs, now).then(
        (window) => callback(null, { current: window.count, ttl: window.endsAt - now }),
        (error: Error) => callback(error),
      );
    }

    read(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void) {
      const now = Date.now();
      counters.read(key, now).then(
        (window) => callback(null, { current: window.count, ttl: window.endsAt - now }),
        (error: Error) => callback(error),
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

/**
 * Registers `@fastify/rate-limit` on the root instance (no global limit: only what bearer auth
 * asks) and decorates it with `apiRateLimits`, which every `/api/v1` face's bearer auth uses.
 *
 * - Failed authentication: `authFailureLimit` per `authFailureWindowMs`, per client address
 *   (`request.ip`) and per presented token. A valid token is never refused for the failures of
 *   others at its address (that would let anyone behind the same proxy lock everyone out);
 *   tokens are 256-bit random, so the limit is not what stops guessing: it sheds the load and
 *   answers the noise with 429 rather than 401.
 * - Requests per token: `apiRateLimit` per `apiRateWindowMs` when set (0: off).
 */
export async function installApiRateLimits(
  app: FastifyInstance,
  config: Pick<Config, 'authFailureLimit' | 'authFailureWindowMs' | 'apiRateLimit' | 'apiRateWindowMs'>,
  counters: RateLimitCounters,
): Promise<void> {
  await app.register(rateLimit, { global: false, store: countersStore(counters) });
  const failures = { max: config.authFailureLimit, timeWindow: config.authFailureWindowMs };
  const byAddress = app.createRateLimit({ ...failures, keyGenerator: (request) => `auth-ip:${request.ip}` });
  const byToken = app.createRateLimit({ ...failures, keyGenerator: tokenKey('auth-token') });
  const perToken =
    config.apiRateLimit > 0
      ? app.createRateLimit({
          max: config.apiRateLimit,
          timeWindow: config.apiRateWindowMs,
          keyGenerator: tokenKey('api-token'),
        })
      : null;

  app.decorate('apiRateLimits', {
    async checkToken(request, tokenHash) {
      withToken(request, tokenHash);
      refuseOver(await byToken(request, { increment: false }), 'this token failed authentication too often', 'read');
    },
    async failed(request, tokenHash) {
      withToken(request, tokenHash);
      const [address, token] = await Promise.all([byAddress(request), tokenHash === null ? null : byToken(request)]);
      refuseOver(address, 'too many failed authentications from this address', 'hit');
      if (token !== null) refuseOver(token, 'this token failed authentication too often', 'hit');
    },
    async admitted(request, tokenHash) {
      if (perToken === null) return;
      withToken(request, tokenHash);
      refuseOver(await perToken(request), 'this token is over its request rate', 'hit');
    },
  } satisfies ApiRateLimits);
}

const TOKEN_HASH = Symbol('hookd.rateLimitedTokenHash');

/** The key generators see only the request: the token's hash travels on it. */
function withToken(request: FastifyRequest, tokenHash: string | null): void {
  (request as unknown as Record<symbol, string | null>)[TOKEN_HASH] = tokenHash;
}

function tokenKey(prefix: string) {
  return (request: FastifyRequest) => `${prefix}:${(request as unknown as Record<symbol, string>)[TOKEN_HASH]}`;
}

/**
 * Throws a 429 when the caller is over: after a `hit`, past the limit; on a `read` (the count so
 * far, this request not counted), at it.
 */
function refuseOver(result: Awaited<ReturnType<Limiter>>, detail: string, how: 'hit' | 'read'): void {
  if (result.isAllowed) return;
  const over = how === 'hit' ? result.isExceeded : result.remaining === 0;
  if (over) throw new RateLimitedError(detail, Math.max(1, result.ttlInSeconds));
}
