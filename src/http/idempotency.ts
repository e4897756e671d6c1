import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ConflictError } from '../core/errors.js';
import type { AuthStore } from '../store/store.js';

/** How long a stored response is replayed. */
const KEY_TTL_MS = 12 * 60 * 60 * 1000;
/**
 * How long a running request holds its key. A process that dies mid-request (kill -9, OOM) must
 * not block the client's retry with that key for 12 h; API requests finish in far less.
 */
const RUNNING_LEASE_MS = 60_000;
const POLL_INTERVAL_MS = 25;
const WAIT_FOR_RUNNING_MS = 5_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The scoped key this request claimed, until its response is stored. */
    idempotencyKey: string | null;
  }
}

/**
 * `Idempotency-Key` on POST, in a face whose `installBearerAuth` runs before it (keys are scoped
 * by the caller's token; a request without `request.auth` is never replayed): the first request
 * with a key runs, and its successful (2xx) response is stored for 12 hours; a repeat gets that response replayed. A repeat that arrives
 * while the first still runs waits for it (polling), then gives up with 409. An error response
 * is not stored (as Stripe does for requests that fail validation): the client fixes its request
 * and retries with the same key. Keys are scoped by token, method and path: two tenants never
 * share a key.
 *
 * Runs in preHandler, after validation: a request that fails validation claims no key. On the
 * hot path this costs exactly two store calls (begin, then complete or abandon).
 */
export function installIdempotency(app: FastifyInstance, deps: { auth: AuthStore; now: () => number }): void {
  const { auth, now } = deps;
  app.decorateRequest('idempotencyKey', null);

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || request.auth === null) return;
    const header = request.headers['idempotency-key'];
    if (typeof header !== 'string' || header === '') return;
    const key = scopedIdempotencyKey(request.auth.tokenHash, request.method, request.url.split('?', 1)[0], header);
    // Waiting is measured on the monotonic clock; `now` (injectable) only stamps the key.
    const deadline = performance.now() + WAIT_FOR_RUNNING_MS;
    for (;;) {
      const started = now();
      const state = await auth.beginIdempotency(key, started, started + RUNNING_LEASE_MS);
      if (state.state === 'new') {
        request.idempotencyKey = key;
        return;
      }
      if (state.state === 'done') return replay(reply, state.response.statusCode, state.response.body);
      if (performance.now() >= deadline) throw new ConflictError('a request with this idempotency-key is in progress');
      await sleep(POLL_INTERVAL_MS);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.idempotencyKey;
    if (key === null) return payload;
    request.idempotencyKey = null;
    // An error may not happen on retry, so it is forgotten; so is a body that is not text (a stream).
    const text = payload === undefined || payload === null ? '' : typeof payload === 'string' ? payload : null;
    if (reply.statusCode >= 300 || text === null) await auth.abandonIdempotency(key);
    else await auth.completeIdempotency(key, { statusCode: reply.statusCode, body: text }, now() + KEY_TTL_MS);
    return payload;
  });
}

/** The stored key: the client's key scoped by token, method and path, hashed to a fixed length. */
export function scopedIdempotencyKey(tokenHash: string, method: string, path: string, key: string): string {
  return createHash('sha256').update(`${tokenHash}\n${method}\n${path}\n${key}`).digest('hex');
}

function replay(reply: FastifyReply, statusCode: number, body: string): FastifyReply {
  reply.code(statusCode);
  if (body === '') return reply.send();
  // A string with a JSON content type is sent as is: the bytes of the first response.
  return reply.type('application/json; charset=utf-8').send(body);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
