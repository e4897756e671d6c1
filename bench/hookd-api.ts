/** The few calls of hookd's (Svix-compatible) API that the bench makes. */
import { request } from 'undici';
import type { HookdApi } from './hookd-process.js';
import type { LoadRequest } from './load.js';

const BENCH_EVENT_TYPE = 'bench.event';

/** Creates an application with one endpoint (no event filter) at `endpointUrl`; returns the app's id. */
export async function createAppWithEndpoint(hookd: HookdApi, name: string, endpointUrl: string): Promise<string> {
  const app = await post<{ id: string }>(hookd, '/api/v1/app', { name });
  await post(hookd, `/api/v1/app/${app.id}/endpoint`, { url: endpointUrl });
  return app.id;
}

/** A source's verification as the API takes it (`{type: 'stripe', secrets: [...]}`); none by default. */
export type SourceVerification = { type: string; secrets?: string[]; toleranceSeconds?: number };

/**
 * Creates a source (with `verification`, if given), a destination at `destinationUrl` and a
 * connection between them (no filter); returns the source's id, the `{id}` of `/in/{id}`.
 */
export async function createSourceWithDestination(
  hookd: HookdApi,
  name: string,
  destinationUrl: string,
  verification?: SourceVerification,
): Promise<string> {
  const source = await post<{ id: string }>(hookd, '/api/v1/source', {
    name,
    ...(verification ? { verification } : {}),
  });
  const destination = await post<{ id: string }>(hookd, '/api/v1/destination', { name, url: destinationUrl });
  await post(hookd, '/api/v1/connection', { source: source.id, destination: destination.id });
  return source.id;
}

/** The load generator's request that sends one message with `payloadJson` to the application. */
export function messageRequest(hookd: HookdApi, appId: string, payloadJson: string): () => LoadRequest {
  const req: LoadRequest = {
    path: `/api/v1/app/${appId}/msg`,
    headers: { authorization: `Bearer ${hookd.token}`, 'content-type': 'application/json' },
    body: `{"eventType":"${BENCH_EVENT_TYPE}","payload":${payloadJson}}`,
  };
  return () => req;
}

async function post<T>(hookd: HookdApi, path: string, body: unknown): Promise<T> {
  const res = await request(`${hookd.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hookd.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`POST ${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
