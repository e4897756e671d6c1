import { request } from 'undici';
import { endToEndHeaders, forwardUrl } from '../../delivery/event-request.js';
import type { StreamedEvent } from '../../inbound/listen/listen-session.js';

/** What the local app answered, as the outcome route takes it. */
export interface LocalResult {
  url: string;
  statusCode: number;
  response: string;
  durationMs: number;
  error?: 'connection' | 'timeout';
}

/** As hookd keeps a response: the first 64 KiB. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends the event to the local app as it came: its method, the sub-path and query appended to
 * `forwardTo`, its headers in order with repeats (hop-by-hop ones dropped, `host` and
 * `content-length` set for the local URL), its body bytes. Redirects are not followed. Never
 * rejects: no response is a result too (`error`).
 */
export async function forwardToLocal(event: StreamedEvent, forwardTo: string, timeoutMs: number): Promise<LocalResult> {
  const url = forwardUrl(forwardTo, event.path);
  const body = Buffer.from(event.body, 'base64');
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  try {
    const response = await request(url, {
      method: event.method,
      headers: endToEndHeaders(event.headers).flatMap(([name, value]) => [name, value]),
      body: body.length === 0 && (event.method === 'GET' || event.method === 'HEAD') ? undefined : body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await readCapped(response.body);
    return { url, statusCode: response.statusCode, response: text, durationMs: elapsed() };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
    return {
      url,
      statusCode: 0,
      response: (error as Error).message || code,
      durationMs: elapsed(),
      error: timeout ? 'timeout' : 'connection',
    };
  }
}

/** The body's first 64 KiB as text; the rest is read and dropped, so the connection is reused. */
async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_RESPONSE_BYTES) kept.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
    size += chunk.length;
  }
  return Buffer.concat(kept).toString('utf8');
}
