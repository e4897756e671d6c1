import type { Destination, Endpoint, EndpointSecret, Source } from '../core/types.js';
import type { Verification } from '../core/verify/types.js';

/*
 * Where the secrets are in what the store keeps: the one list of stored values that are sealed
 * at rest (core/secret-box.ts). Each function applies `f` (seal, open or reseal) to the secret
 * values of one shape and copies the rest. The JSON columns hold the same shapes, so the
 * re-encryption pass (crud/secret-columns.ts) uses the same functions on the rows.
 */

/** Seals, opens or re-seals one stored secret value. */
export type MapSecret = (value: string) => string;

/** Every header value: a credential may hide under any name (`X-Auth`), and names stay readable. */
export function mapHeaderValues(headers: Record<string, string>, f: MapSecret): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, f(value)]));
}

/** An endpoint's signing keys, current and rotated-out. */
export function mapEndpointSecrets(secrets: readonly EndpointSecret[], f: MapSecret): EndpointSecret[] {
  return secrets.map((secret) => ({ ...secret, key: f(secret.key) }));
}

/** A destination's Basic credentials: the password (the user name is shown back by the API). */
export function mapBasicAuth<T extends { password: string } | null>(auth: T, f: MapSecret): T {
  return auth && { ...auth, password: f(auth.password) };
}

/** The secret fields of a source's verification: `secrets` (HMAC, Standard Webhooks...), `password` (basic-auth), `key` (api-key). */
export function mapVerification(verification: Verification, f: MapSecret): Verification {
  const out: Verification = { ...verification };
  if (Array.isArray(out.secrets)) out.secrets = out.secrets.map(f);
  for (const field of ['password', 'key'] as const) {
    const value = out[field];
    if (typeof value === 'string') out[field] = f(value);
  }
  return out;
}

export function mapEndpoint(endpoint: Endpoint, f: MapSecret): Endpoint {
  return {
    ...endpoint,
    headers: mapHeaderValues(endpoint.headers, f),
    secrets: mapEndpointSecrets(endpoint.secrets, f),
  };
}

export function mapDestination(destination: Destination, f: MapSecret): Destination {
  return {
    ...destination,
    headers: mapHeaderValues(destination.headers, f),
    basicAuth: mapBasicAuth(destination.basicAuth, f),
    secret: destination.secret === null ? null : f(destination.secret),
  };
}

export function mapSource(source: Source, f: MapSecret): Source {
  return { ...source, verification: mapVerification(source.verification, f) };
}
