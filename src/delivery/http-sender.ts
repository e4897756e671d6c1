import { LRUCache } from 'lru-cache';
import { Agent, type Dispatcher } from 'undici';
import { createAddressPolicy } from '../core/net/ip.js';
import { parseRetryAfter } from '../core/retry.js';
import type { HeaderList } from '../core/types.js';
import {
  ADDRESS_REFUSED_CODE,
  checkUrlTarget,
  createCheckedLookup,
  defaultResolver,
  type Resolver,
} from './ssrf-guard.js';

/**
 * One outbound request. The caller sets every header, content-type included; `host` and
 * `content-length` come from the URL and the body, and must not be in `headers`.
 */
export interface SendRequest {
  /** An HTTP method token, e.g. `POST`, `PUT`. */
  method: string;
  url: string;
  /** In this order, repeats included, so that a stored request goes out as it came. */
  headers: HeaderList;
  /** Sent byte for byte; an empty body sends no body (`content-length: 0` where the method expects one). */
  body: Buffer;
  /** This request's total timeout, at most `MAX_TIMEOUT_MS`; default the sender's. */
  timeoutMs?: number;
}

/** The longest per-request timeout (a destination's setting); the agent's backstops allow for it. */
export const MAX_TIMEOUT_MS = 60_000;

/**
 * What came back: a response (any status, 3xx included, since redirects are not followed), or
 * why there was none. `refused` means the SSRF guard stopped it before any connection was made.
 */
export type SendResult =
  | { kind: 'response'; statusCode: number; body: string; retryAfterSeconds: number | null; durationMs: number }
  | { kind: 'error'; error: 'timeout' | 'connection' | 'refused'; detail: string; durationMs: number };

export interface HttpSender {
  /** Sends one request. Never throws: every failure is a `SendResult`. */
  send(req: SendRequest): Promise<SendResult>;
  /** Closes the connection pools once in-flight requests have finished. */
  close(): Promise<void>;
}

export interface HttpSenderOptions {
  /** Whole-request budget: connect, send, headers and body. */
  timeoutMs: number;
  /** The response body is kept up to this many bytes; the rest is never read. Default 64 KiB. */
  maxResponseBytes?: number;
  /** CIDRs exempt from the SSRF guard (`HOOKD_ALLOWED_NETWORKS`). */
  allowedNetworks: readonly string[];
  /**
   * Sockets per origin (default 128). Give it the engine's concurrency: a request that waits for
   * a socket is already on the timeout's clock, so a queue in front of a slow but healthy
   * endpoint would turn into false timeouts.
   */
  connectionsPerOrigin?: number;
  /** Host name resolution; injected by tests. Default: the OS resolver. */
  resolve?: Resolver;
  /** Wall clock in epoch ms, for durations and `Retry-After` dates. */
  now?: () => number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** Default sockets per origin; more concurrent requests to one origin wait for a free socket. */
const CONNECTIONS_PER_ORIGIN = 128;
/** Idle sockets close after this, unless the server's `Keep-Alive` hint says less (Node servers: 5 s). */
const KEEP_ALIVE_TIMEOUT_MS = 4_000;

const TIMEOUT_ERROR_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The outbound HTTP client of the delivery engine: keep-alive pools per origin (undici), a total
 * timeout, a bounded response read, no redirects, and the SSRF guard on every connection.
 *
 * SSRF: an IP-literal host is checked before dispatch (net.connect never calls `lookup` for
 * one). A host name is resolved by the `lookup` hook undici hands to net/tls.connect
 * (`createCheckedLookup`): the socket dials exactly the addresses that were checked, so a
 * second, different DNS answer (rebinding) never gets a say. TLS still uses the host name for
 * SNI and certificate checks, because `host` stays the name. Pooled sockets are reused; each
 * was checked when it connected.
 */
export function createHttpSender(o: HttpSenderOptions): HttpSender {
  const { timeoutMs } = o;
  const maxResponseBytes = o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const resolve = o.resolve ?? defaultResolver;
  const now = o.now ?? Date.now;
  const isAllowedAddress = createAddressPolicy(o.allowedNetworks);

  const agent = new Agent({
    connections: o.connectionsPerOrigin ?? CONNECTIONS_PER_ORIGIN,
    pipelining: 1,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Backstops only: the total timeout below is what callers see.
    headersTimeout: Math.max(timeoutMs, MAX_TIMEOUT_MS),
    bodyTimeout: Math.max(timeoutMs, MAX_TIMEOUT_MS),
    connect: { timeout: timeoutMs, lookup: createCheckedLookup(resolve, isAllowedAddress) },
  });

  // Each URL's parse and verdict, kept: an endpoint's URL is sent to again and again, and its
  // parse and the address check of an IP literal cost ~4.4 µs per send (a third of the builder's
  // work). Only what the URL alone decides is kept; a host name's addresses are checked at each
  // connection (createCheckedLookup).
  const targets = new LRUCache<string, UrlTarget>({ max: URL_TARGETS_KEPT });
  const targetOf = (rawUrl: string): UrlTarget => {
    let target = targets.get(rawUrl);
    if (target === undefined) {
      target = parseUrlTarget(rawUrl, isAllowedAddress);
      targets.set(rawUrl, target);
    }
    return target;
  };

  function send(req: SendRequest): Promise<SendResult> {
    const startedAt = now();
    const target = targetOf(req.url);
    if ('refused' in target) return Promise.resolve(refusal(target.refused, startedAt, now));

    return new Promise<SendResult>((settle) => {
      const collector = new ResponseCollector(maxResponseBytes, req.timeoutMs ?? timeoutMs, startedAt, now, settle);
      try {
        agent.dispatch(
          {
            origin: target.origin,
            path: target.path,
            method: req.method,
            // A flat [name, value, name, value...] list: undici sends it in this order, repeats included.
            headers: req.headers.flat(),
            body: req.body.length > 0 ? req.body : null,
          },
          collector,
        );
      } catch (err) {
        collector.onResponseError(null, err as Error);
      }
    });
  }

  return { send, close: () => agent.close() };
}

/** Distinct URLs whose parse and verdict a sender keeps (endpoints and destinations sent to lately). */
const URL_TARGETS_KEPT = 10_000;

/** Where a URL sends to, or why it may not be sent to (its scheme, an IP literal the guard refuses). */
type UrlTarget = { origin: string; path: string } | { refused: string };

function parseUrlTarget(rawUrl: string, isAllowedAddress: (address: string) => boolean): UrlTarget {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { refused: 'endpoint URL is not a valid URL' };
  }
  const refusedBecause = checkUrlTarget(url, isAllowedAddress);
  return refusedBecause === null
    ? { origin: url.origin, path: url.pathname + url.search }
    : { refused: refusedBecause };
}

function refusal(detail: string, startedAt: number, now: () => number): SendResult {
  return { kind: 'error', error: 'refused', detail, durationMs: now() - startedAt };
}

/**
 * Receives one response through undici's dispatch handler API (no body stream, no buffering
 * beyond `maxBytes`) and settles exactly once: on the end of the response, on the byte limit,
 * on an error, or when the total timeout fires, whichever comes first.
 */
class ResponseCollector implements Dispatcher.DispatchHandler {
  private statusCode = 0;
  private retryAfter: string | undefined;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private controller: Dispatcher.DispatchController | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly maxBytes: number,
    private readonly timeoutMs: number,
    private readonly startedAt: number,
    private readonly now: () => number,
    private readonly settle: (result: SendResult) => void,
  ) {
    this.timer = setTimeout(() => this.onTimeout(), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // The request may only now leave the queue, after it already timed out: don't send it.
    if (this.settled) controller.abort(new Error('request timed out before it was sent'));
    else this.controller = controller;
  }

  onResponseStart(
    _c: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.statusCode = statusCode;
    const retryAfter = headers['retry-after'];
    this.retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    const room = this.maxBytes - this.size;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    // Enough: keep what fits and drop the connection rather than read an unbounded body.
    this.chunks.push(chunk.subarray(0, room));
    this.size += room;
    this.finishResponse();
    controller.abort(new Error('response body truncated'));
  }

  onResponseEnd(): void {
    this.finishResponse(true);
  }

  onResponseError(_c: Dispatcher.DispatchController | null, err: Error): void {
    if (this.settled) return;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (TIMEOUT_ERROR_CODES.has(code)) {
      this.finishTimeout();
      return;
    }
    const durationMs = this.elapsed();
    if (code === ADDRESS_REFUSED_CODE)
      this.finish({ kind: 'error', error: 'refused', detail: err.message, durationMs });
    else this.finish({ kind: 'error', error: 'connection', detail: describeError(err), durationMs });
  }

  private onTimeout(): void {
    if (this.settled) return;
    this.finishTimeout();
    this.controller?.abort(new Error('request timed out'));
  }

  private finishTimeout(): void {
    const detail = `no complete response within ${this.timeoutMs} ms`;
    this.finish({ kind: 'error', error: 'timeout', detail, durationMs: this.elapsed() });
  }

  /**
   * `waitForSocketRelease`: with pipelining 1, undici hands the socket back to the pool only on
   * the next `setImmediate` after the response ends. A caller that sends again at once would
   * find the socket still busy and open a second connection, so settle after that release:
   * the microtask hop queues our `setImmediate` behind undici's.
   */
  private finishResponse(waitForSocketRelease = false): void {
    if (this.settled) return;
    const body =
      this.chunks.length === 1
        ? this.chunks[0].toString('utf8')
        : Buffer.concat(this.chunks, this.size).toString('utf8');
    const endedAt = this.now();
    const result: SendResult = {
      kind: 'response',
      statusCode: this.statusCode,
      body,
      retryAfterSeconds: parseRetryAfter(this.retryAfter, endedAt),
      durationMs: endedAt - this.startedAt,
    };
    this.finish(result, waitForSocketRelease);
  }

  private finish(result: SendResult, waitForSocketRelease = false): void {
    this.settled = true;
    clearTimeout(this.timer);
    if (waitForSocketRelease) queueMicrotask(() => setImmediate(this.settle, result));
    else this.settle(result);
  }

  private elapsed(): number {
    return this.now() - this.startedAt;
  }
}

function describeError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  // undici wraps socket errors; the cause carries the useful code (ECONNREFUSED, ECONNRESET...).
  const cause = err.cause instanceof Error ? `: ${describeError(err.cause)}` : '';
  const prefix = code && !err.message.includes(code) ? `${code}: ` : '';
  return `${prefix}${err.message}${cause}`;
}
