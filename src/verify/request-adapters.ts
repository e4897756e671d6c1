import type { IncomingMessage } from 'node:http';
import type { VerifiableRequest } from '../core/verify/types.js';

/**
 * Turning a framework's request into what the verifiers read: method, the URL the sender
 * called, header pairs, and the raw body bytes (a parsed-and-re-serialized body never verifies).
 */

/**
 * From a Fetch API `Request` (Next.js route handlers, Hono, Bun, Deno, undici). Reads the body of
 * a clone, so the caller can still read `request.json()` afterwards. `url` overrides
 * `request.url` when a proxy in front changed it (the signed URL is the one the sender called).
 */
export async function fromWebRequest(request: Request, url?: string): Promise<VerifiableRequest> {
  const body = new Uint8Array(await request.clone().arrayBuffer());
  return { method: request.method.toUpperCase(), url: url ?? request.url, headers: [...request.headers], body };
}

/**
 * From a Node.js request (Express, Fastify's `request.raw`, plain node:http) and its raw body
 * (Express: `express.raw({type: '*\/*'})`; Fastify: a content-type parser with
 * `parseAs: 'buffer'`). `url` defaults to http(s)://Host + the path as received (Express's
 * `originalUrl`); pass it when behind a proxy that terminates TLS or rewrites paths.
 */
export function fromNodeRequest(req: IncomingMessage, rawBody: Uint8Array, url?: string): VerifiableRequest {
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const fullUrl = url ?? `${encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${path}`;
  return { method: (req.method ?? 'GET').toUpperCase(), url: fullUrl, headers, body: rawBody };
}
