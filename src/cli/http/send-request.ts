import { request } from 'undici';
import { CliError } from '../cli-error.js';

/** What came back from one request: status, time to the whole response, body (truncated). */
export interface Answer {
  status: number;
  durationMs: number;
  /** The response body as text, cut at `MAX_ANSWER_BYTES`. */
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

const MAX_ANSWER_BYTES = 64 * 1024;

export interface OutgoingRequest {
  method: string;
  url: string;
  headers: readonly (readonly [string, string])[];
  body: Uint8Array;
}

/**
 * Sends one request as given (undici: no redirect followed, no header added but `host` and
 * `content-length`) and times it to the end of the response body. Throws CliError naming the URL
 * when it cannot be reached or does not answer within `timeoutMs`.
 */
export async function sendRequest(outgoing: OutgoingRequest, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await request(outgoing.url, {
      method: outgoing.method as 'POST',
      headers: outgoing.headers.flat(),
      body: Buffer.from(outgoing.body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      if (size < MAX_ANSWER_BYTES) chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return {
      status: response.statusCode,
      durationMs: performance.now() - started,
      body: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8'),
      headers: response.headers,
    };
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    const reason = error.code ?? error.message;
    throw new CliError(`cannot reach ${outgoing.url} (${reason})`);
  }
}
