import type { VerifyResult } from '../../core/verify/types.js';
import type { ApiClient } from '../client/api-client.js';
import { toVerifiableRequest } from '../verify/captured-request.js';

/** A request as `GET /api/v1/request/{id}` shows it. */
export interface RequestJson {
  id: string;
  sourceId: string;
  method: string;
  path: string;
  query: string;
  headers: [string, string][];
  body: string;
  receivedAt: string;
}

/** A delivered message as it arrived at a source of the same hookd, with its signature checked. */
export interface ArrivedRequest {
  source: string;
  request: RequestJson;
  signature: VerifyResult;
}

/**
 * When an endpoint is a source of this same hookd (`{server}/in/{source}...`), finds the request
 * that delivered message `msgId` (its `webhook-id`/`svix-id`) and verifies its Standard Webhooks
 * signature with the endpoint's secret: the signed webhook, seen from the receiving side. Null for
 * any other endpoint, or when the request is not among the source's latest 250.
 */
export async function findArrivedRequest(
  client: ApiClient,
  app: string,
  endpoint: { endpointId: string; url: string },
  msgId: string,
): Promise<ArrivedRequest | null> {
  const source = sourceOf(endpoint.url, client.server);
  if (source === null) return null;
  const requests = await client.request<{ data: RequestJson[] }>(
    'GET',
    `/api/v1/source/${encodeURIComponent(source)}/request?limit=250`,
  );
  // Newest first: a retried message arrives once per attempt; the last one is what was delivered.
  const request = requests.data.find((candidate) =>
    candidate.headers.some(
      ([name, value]) => ['webhook-id', 'svix-id'].includes(name.toLowerCase()) && value === msgId,
    ),
  );
  if (!request) return null;
  const { key } = await client.request<{ key: string }>(
    'GET',
    `/api/v1/app/${encodeURIComponent(app)}/endpoint/${endpoint.endpointId}/secret`,
  );
  // Imported here: only this path of `send` verifies.
  const { parseVerification, verify } = await import('../../core/verify/verification.js');
  const setting = parseVerification({ type: 'standard-webhooks', secrets: [key] });
  const signature = await verify(setting, toVerifiableRequest(request, `request ${request.id}`), { now: Date.now() });
  return { source, request, signature };
}

/** The source id or uid of a `{server}/in/{source}[/...]` URL, or null for another URL. */
function sourceOf(endpointUrl: string, server: string): string | null {
  if (!URL.canParse(endpointUrl)) return null;
  const url = new URL(endpointUrl);
  if (url.origin !== new URL(server).origin) return null;
  const match = /^\/in\/([^/?#]+)/.exec(url.pathname);
  return match ? decodeURIComponent(match[1]) : null;
}
