import type { Static } from 'typebox';
import { ValidationError } from '../core/errors.js';
import { generateSecret, isValidSecret } from '../core/signing.js';
import type { Endpoint } from '../core/types.js';
import { validateEndpointUrl } from '../delivery/ssrf-guard.js';
import type { EndpointInput } from '../store/store.js';
import { isEndpointId } from './context.js';
import type { EndpointIn, EndpointPatch } from './endpoint-schemas.js';
import { checkHeaders } from './endpoint-headers.js';

type EndpointFields = Static<typeof EndpointPatch>;
type UpdateInput = Omit<EndpointInput, 'secret'>;

/**
 * Request bodies → the store's EndpointInput, with the checks a schema cannot express: the URL
 * against the SSRF guard, the secret's format, reserved headers, and uids shaped like ids.
 */

/** A new endpoint from EndpointIn; without a secret, one is generated (as Svix does). */
export function toNewEndpoint(body: Static<typeof EndpointIn>, allowedNetworks: readonly string[]): EndpointInput {
  const secret = secretOrGenerated(body.secret, 'secret');
  return {
    ...toReplacement(body, allowedNetworks),
    headers: body.headers === undefined ? {} : checkHeaders(body.headers),
    secret,
  };
}

/** The signing secret given in body field `field`, format-checked (422 naming `field`), or a generated one. */
export function secretOrGenerated(given: string | null | undefined, field: string): string {
  const secret = given ?? generateSecret();
  if (!isValidSecret(secret)) {
    throw new ValidationError(
      `${field} must be whsec_ followed by the base64 of 24 to 64 random bytes (or a whsk_ ed25519 key)`,
      field,
    );
  }
  return secret;
}

/** PUT: every field is replaced; those left out go back to their defaults. Headers are kept. */
export function toReplacement(body: EndpointFields & { url: string }, allowedNetworks: readonly string[]): UpdateInput {
  return {
    url: checkUrl(body.url, allowedNetworks),
    uid: body.uid === undefined ? null : checkUid(body.uid),
    description: body.description ?? '',
    eventTypes: eventTypesOf(body) ?? null,
    channels: body.channels ?? null,
    disabled: body.disabled ?? false,
    metadata: body.metadata ?? {},
    throttleRate: throttleRateOf(body) ?? null,
    maxConcurrency: body.maxConcurrency ?? null,
    ordered: body.ordered ?? false,
  };
}

/** PATCH: the fields present replace the endpoint's, the rest stay. */
export function toPatched(existing: Endpoint, body: EndpointFields, allowedNetworks: readonly string[]): UpdateInput {
  const eventTypes = eventTypesOf(body);
  const throttleRate = throttleRateOf(body);
  return {
    url: body.url === undefined ? existing.url : checkUrl(body.url, allowedNetworks),
    uid: body.uid === undefined ? existing.uid : checkUid(body.uid),
    description: body.description ?? existing.description,
    eventTypes: eventTypes === undefined ? existing.eventTypes : eventTypes,
    channels: body.channels === undefined ? existing.channels : body.channels,
    disabled: body.disabled ?? existing.disabled,
    metadata: body.metadata ?? existing.metadata,
    throttleRate: throttleRate === undefined ? existing.throttleRate : throttleRate,
    maxConcurrency: body.maxConcurrency === undefined ? existing.maxConcurrency : body.maxConcurrency,
    ordered: body.ordered ?? existing.ordered,
    headers: existing.headers,
  };
}

function checkUrl(url: string, allowedNetworks: readonly string[]): string {
  const problem = validateEndpointUrl(url, allowedNetworks);
  if (problem !== null) throw new ValidationError(problem, 'url');
  return url;
}

/** A uid shaped like an endpoint id would make `{endpoint_id}` ambiguous. */
function checkUid(uid: string | null): string | null {
  if (uid !== null && isEndpointId(uid))
    throw new ValidationError('uid must not start with "ep_", the prefix of endpoint ids', 'uid');
  return uid;
}

/** `eventTypes`, or its older name `filterTypes`; `undefined` when neither is present. */
function eventTypesOf(body: EndpointFields): string[] | null | undefined {
  return body.eventTypes !== undefined ? body.eventTypes : body.filterTypes;
}

/** `throttleRate`, or its older name `rateLimit`. */
function throttleRateOf(body: EndpointFields): number | null | undefined {
  return body.throttleRate !== undefined ? body.throttleRate : body.rateLimit;
}
