import type { Static } from 'typebox';
import { ValidationError } from '../core/errors.js';
import { isValidSecret } from '../core/signing.js';
import type { Destination } from '../core/types.js';
import { validateEndpointUrl } from '../delivery/ssrf-guard.js';
import { checkHeaders } from '../outbound/endpoint-headers.js';
import type { DestinationInput } from '../store/store.js';
import type { DestinationIn, DestinationPatch } from './schemas.js';
import { checkUid } from './uids.js';

type DestinationFields = Static<typeof DestinationPatch>;

/**
 * POST body → the store's DestinationInput, with the checks a schema cannot express: the URL as
 * an endpoint's is checked (scheme, IP literals against the SSRF guard), headers as an endpoint's,
 * the secret as a Standard Webhooks `whsec_` secret.
 */
export function toNewDestination(
  body: Static<typeof DestinationIn>,
  allowedNetworks: readonly string[],
): DestinationInput {
  return {
    name: body.name ?? '',
    uid: checkUid(body.uid ?? null, 'dst_'),
    url: checkUrl(body.url, allowedNetworks),
    headers: checkHeaders(body.headers ?? {}),
    basicAuth: body.basicAuth ?? null,
    throttleRate: body.throttleRate ?? null,
    retrySchedule: body.retrySchedule ?? null,
    timeoutMs: body.timeoutMs ?? null,
    secret: checkSecret(body.secret ?? null),
    disabled: body.disabled ?? false,
  };
}

/** PATCH: the fields present replace the destination's (checked as on creation), the rest stay. */
export function toPatchedDestination(
  existing: Destination,
  body: DestinationFields,
  allowedNetworks: readonly string[],
): DestinationInput {
  const keep = <K extends keyof DestinationFields & keyof Destination>(key: K) =>
    body[key] === undefined ? existing[key] : body[key];
  return {
    name: body.name ?? existing.name,
    uid: body.uid === undefined ? existing.uid : checkUid(body.uid, 'dst_'),
    url: body.url === undefined ? existing.url : checkUrl(body.url, allowedNetworks),
    headers: body.headers === undefined ? existing.headers : checkHeaders(body.headers),
    basicAuth: keep('basicAuth') ?? null,
    throttleRate: keep('throttleRate') ?? null,
    retrySchedule: keep('retrySchedule') ?? null,
    timeoutMs: keep('timeoutMs') ?? null,
    secret: body.secret === undefined ? existing.secret : checkSecret(body.secret),
    disabled: body.disabled ?? existing.disabled,
  };
}

function checkUrl(url: string, allowedNetworks: readonly string[]): string {
  const problem = validateEndpointUrl(url, allowedNetworks);
  if (problem !== null) throw new ValidationError(problem.replace(/^endpoint URL/, 'destination URL'), 'url');
  return url;
}

/** Forwarded requests are re-signed per Standard Webhooks: a symmetric `whsec_` secret. */
function checkSecret(secret: string | null): string | null {
  if (secret !== null && (!secret.startsWith('whsec_') || !isValidSecret(secret)))
    throw new ValidationError('secret must be whsec_ followed by the base64 of 24 to 64 random bytes', 'secret');
  return secret;
}
