import type { StreamedEvent } from '../../inbound/listen/listen-session.js';
import { readEventStream } from './event-stream.js';
import { forwardToLocal, type LocalResult } from './forward.js';
import type { ServerCredentials } from '../client/credentials.js';

export interface ListenOptions {
  server: ServerCredentials;
  source: string;
  device: string;
  forwardTo: string;
  /** The connection filter as JSON text (a JSON object, checked by the caller), sent as written; `null`: none. */
  filter: string | null;
  replay: boolean;
  /** One line per forwarded request (stdout). */
  print: (line: string) => void;
  /** What the session is doing: connected, lost, reconnecting (stderr). */
  say: (line: string) => void;
}

/** The server refused for a reason another try will not fix (a bad token, an unknown source): exit non-zero. */
export class ListenError extends Error {}

/** Reconnect delays: 1 s doubling to 30 s, so that a restarted hookd is found again within 30 s. */
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * `hookd listen`: opens the device's session on the source (PUT), then streams its events and
 * forwards each to the local app, one at a time, reporting each local response back. A lost
 * connection is retried with backoff, said on stderr, for as long as it takes (events wait on the
 * server meanwhile); only the first connection's failure ends the command. Resolves when `signal`
 * aborts.
 */
export async function listen(options: ListenOptions, signal: AbortSignal): Promise<void> {
  const { say } = options;
  const opened = await openSession(options, signal);
  say(`hookd listen: ${options.device} on ${options.source} → ${options.forwardTo}`);
  if (opened.skipped > 0) say(`skipped ${opened.skipped} waiting requests (--no-replay): they stay as canceled events`);
  let backoffMs = FIRST_BACKOFF_MS;
  let first = true;
  while (!signal.aborted) {
    try {
      await streamOnce(options, signal, () => {
        say(first ? 'connected: waiting for requests (Ctrl-C to stop)' : 'reconnected');
        first = false;
        backoffMs = FIRST_BACKOFF_MS;
      });
      if (signal.aborted) return;
      say(`the server closed the stream: reconnecting in ${backoffMs / 1000} s`);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ListenError && first) throw error;
      say(`connection lost (${(error as Error).message}): reconnecting in ${backoffMs / 1000} s`);
    }
    await sleep(backoffMs, signal);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }
}

async function openSession(options: ListenOptions, signal: AbortSignal): Promise<{ skipped: number }> {
  // JSON text, the filter spliced in as written: JSON.stringify of a parsed filter would round its numbers.
  const body = `{"forwardTo":${JSON.stringify(options.forwardTo)},"filter":${options.filter ?? 'null'},"replay":${options.replay}}`;
  const response = await call(options, 'PUT', '', body, signal);
  return (await response.json()) as { skipped: number };
}

/** One connection of the stream: until it ends or breaks. */
async function streamOnce(options: ListenOptions, signal: AbortSignal, onConnected: () => void): Promise<void> {
  const response = await call(options, 'GET', '/stream', undefined, signal);
  if (response.body === null) throw new Error('the stream has no body');
  let session = '';
  let timeoutMs = 15_000;
  for await (const message of readEventStream(response.body)) {
    if (message.event === 'session') {
      ({ session, timeoutMs } = JSON.parse(message.data) as { session: string; timeoutMs: number });
      onConnected();
    } else if (message.event === 'request') {
      const event = JSON.parse(message.data) as StreamedEvent;
      const result = await forwardToLocal(event, options.forwardTo, timeoutMs);
      options.print(requestLine(event, result));
      await report(options, session, event, result, signal);
    } else if (message.event === 'error') {
      throw new Error((JSON.parse(message.data) as { detail: string }).detail);
    }
  }
}

/** Reports the local response; a failed report is said and left to the lease (the event comes again). */
async function report(
  options: ListenOptions,
  session: string,
  event: StreamedEvent,
  result: LocalResult,
  signal: AbortSignal,
): Promise<void> {
  try {
    await call(options, 'POST', '/outcome', JSON.stringify({ session, event: event.event, ...result }), signal);
  } catch (error) {
    if (!signal.aborted) options.say(`could not report ${event.event}: ${(error as Error).message}`);
  }
}

/** `14:03:07  POST /orders?id=1  → 200  12 ms` (the local response, or why there was none). */
export function requestLine(event: StreamedEvent, result: LocalResult): string {
  const time = new Date().toTimeString().slice(0, 8);
  const status = result.error === undefined ? String(result.statusCode) : `${result.error} error`;
  const retry = event.attempt > 1 ? `  (attempt ${event.attempt})` : '';
  return `${time}  ${event.method} ${event.path || '/'}  → ${status}  ${Math.round(result.durationMs)} ms${retry}`;
}

/** A call to the device's listen routes; a refusal becomes a `ListenError` with the server's detail. */
async function call(
  options: ListenOptions,
  method: string,
  suffix: string,
  /** JSON text, or `undefined` for none. */
  body: string | undefined,
  signal: AbortSignal,
): Promise<Response> {
  const { server, source, device } = options;
  const url = `${server.server}/api/v1/source/${encodeURIComponent(source)}/listen/${encodeURIComponent(device)}${suffix}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${server.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body,
      signal,
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ListenError(
      `cannot reach ${server.server}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
  }
  if (response.ok) return response;
  const text = await response.text();
  let detail = text;
  try {
    detail = (JSON.parse(text) as { detail?: string }).detail ?? text;
  } catch {
    // not JSON: the text as it came
  }
  throw new ListenError(`${method} ${suffix || 'session'}: ${response.status} ${detail}`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
