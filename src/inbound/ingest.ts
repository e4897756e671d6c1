import { sourceAnswer } from './source-answer.js';
import type { HandshakeContext } from '../core/verify/handshakes.js';
import type {
  HandshakeReply,
  VerifiableRequest,
  Verification,
  VerifyContext,
  VerifyResult,
} from '../core/verify/types.js';
import type { HeaderList, InboundRequest, RequestCause, SourceResponse } from '../core/types.js';
import type { Store } from '../store/store.js';
import { dedupKeyOf } from './dedup-key.js';
import type { SourceCache } from './source-cache.js';
import type { RouteFilter } from './route-filter.js';

/** What a source answers when it has no configured response. */
export const DEFAULT_RESPONSE: SourceResponse = {
  status: 200,
  body: '{"ok":true}',
  contentType: 'application/json',
  headers: {},
};

/** One HTTP request that arrived at `/in/{sourceRef}{path}`, as read off the wire. */
export interface ArrivedRequest {
  /** The source's id or uid, as the URL named it. */
  sourceRef: string;
  method: string;
  /** What followed `/in/{sourceRef}`, query included: `/orders?id=1`, or ``. */
  path: string;
  /** The URL as the sender called it (`HOOKD_PUBLIC_URL` + the request's path): some providers sign it. */
  url: string;
  headers: HeaderList;
  body: Buffer;
  /** Set when the body was over the limit and not read: its size as declared (or as far as read). */
  tooLargeBytes?: number;
}

/** The answer to send: the source's response, a handshake's, or an error `{code, detail}` as JSON. */
export interface IngestAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Answer only after this long (the source's configured delay); default none. */
  delayMs?: number;
  /** The stored request (none when the source does not exist). */
  request: InboundRequest | null;
}

export interface IngestDeps {
  store: Pick<Store, 'inbound'>;
  /** The sources and their routes, cached briefly. */
  sources: SourceCache;
  now: () => number;
  routes: RouteFilter;
  verify: (setting: Verification, request: VerifiableRequest, context: VerifyContext) => Promise<VerifyResult>;
  answerHandshake: (
    setting: Verification,
    request: VerifiableRequest,
    context: HandshakeContext,
  ) => Promise<HandshakeReply | null>;
  /** What verifiers and handshakes may need beyond the request (certificates, SNS confirmations). */
  context: Omit<HandshakeContext, 'now' | 'verifyFirst'>;
}

/**
 * The receive path of one request: find the source, answer a provider's handshake, verify, route
 * through the connections' filters, and store the request (with its events, or rejected with a
 * cause) before answering. The answer:
 * - unknown source: 404 `not_found` (nothing is stored: there is no source to keep it under);
 * - body over the limit: 413 `payload_too_large`; disabled source: 403 `source_disabled`;
 *   verification failed: 401 with the cause as `code` (`signature_invalid`...);
 * - a handshake: the provider's expected reply;
 * - otherwise (accepted, a duplicate, or filtered out) the source's configured response.
 * Only a store failure can make it throw (the caller answers 5xx then: nothing was committed).
 */
export async function ingest(deps: IngestDeps, arrived: ArrivedRequest): Promise<IngestAnswer> {
  const found = await deps.sources.get(arrived.sourceRef);
  if (found === null) return errorAnswer(404, 'not_found', `source "${arrived.sourceRef}" not found`, null);
  const { source, connections, destinations } = found;
  const now = deps.now();
  const base = {
    sourceId: source.id,
    method: arrived.method,
    path: arrived.path,
    headers: arrived.headers,
    body: arrived.body,
  };
  const reject = async (status: number, cause: RequestCause, detail: string, bodySize?: number) => {
    const { request } = await deps.store.inbound.receive(
      {
        ...base,
        ...(bodySize === undefined ? {} : { body: Buffer.alloc(0), bodySize }),
        status: 'rejected',
        cause,
        detail,
      },
      [],
      null,
      now,
    );
    return errorAnswer(status, cause, detail, request);
  };

  if (arrived.tooLargeBytes !== undefined) {
    return reject(
      413,
      'payload_too_large',
      `the body is over this source's limit (${arrived.tooLargeBytes} bytes received or declared)`,
      arrived.tooLargeBytes,
    );
  }
  if (source.disabled) return reject(403, 'source_disabled', 'this source is disabled');

  const verifiable: VerifiableRequest = {
    method: arrived.method,
    url: arrived.url,
    headers: arrived.headers,
    body: arrived.body,
  };
  const context: HandshakeContext = {
    ...deps.context,
    now,
    // Read only for a dedup by it: Stripe's, in the body, costs a JSON parse of every request.
    skipDeliveryId: source.dedup?.by !== 'delivery-id',
    verifyFirst: (setting, request) => deps.verify(setting, request, context),
  };
  const handshake = await deps.answerHandshake(source.verification, verifiable, context);
  if (handshake !== null) {
    const { request } = await deps.store.inbound.receive({ ...base, status: 'handshake' }, [], null, now);
    return { ...handshake, request };
  }
  const verdict = await deps.verify(source.verification, verifiable, context);
  if (!verdict.ok) return reject(401, verdict.cause, verdict.detail);

  const matched = deps.routes.matching(connections, base);
  const filtered = connections.length > 0 && matched.length === 0;
  const key = source.dedup === null ? null : dedupKeyOf(source.dedup, arrived, verdict.deliveryId);
  const { request } = await deps.store.inbound.receive(
    filtered ? { ...base, status: 'rejected', cause: 'filtered', detail: "no connection's filter matched" } : base,
    matched.map((c) => ({
      connectionId: c.id,
      destinationId: c.destinationId,
      targets: { destination: destinations.get(c.destinationId)!, connection: c },
    })),
    key === null ? null : { key, expiresAt: now + source.dedup!.windowSeconds * 1000 },
    now,
  );
  return { ...sourceAnswer(source.response ?? DEFAULT_RESPONSE, arrived), request };
}

function errorAnswer(status: number, code: string, detail: string, request: InboundRequest | null): IngestAnswer {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, detail }), request };
}
