/**
 * Load generators, run in the bench's own process: a closed loop (N requests, C in flight) and an
 * open loop at a fixed rate. Both use one undici keep-alive Pool per origin and stamp times with
 * wallNowMs(), so they can be compared with the receiver's arrival times.
 */
import { Pool } from 'undici';
import { wallNowMs } from './clock.js';

/** One POST the generator sends. */
export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  sent: number;
  /** Wall-clock ms just before the first request was dispatched. */
  firstSentAt: number;
  /** Wall-clock ms when the last response's status line arrived. */
  lastResponseAt: number;
  failures: number;
  /** The first unexpected status (with its body) or error, for the report. */
  firstFailure: string | null;
}

export interface LoadOptions {
  pool: Pool;
  request: (index: number) => LoadRequest;
  expectStatus: number;
  /** Called with each expected response's send and arrival times and body; bodies are only read if set. */
  onResponse?: (index: number, sentAt: number, receivedAt: number, body: string) => void;
}

/** A keep-alive pool of `connections` sockets to one origin, one request at a time per socket. */
export function openPool(origin: string, connections: number): Pool {
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
}

/** Sends `total` requests with `concurrency` in flight: each worker sends its next one on a response. */
export async function runConcurrent(
  options: LoadOptions & { total: number; concurrency: number },
): Promise<LoadResult> {
  const tracker = createTracker(options);
  let next = 0;
  const worker = async () => {
    while (next < options.total) await tracker.send(next++);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.total) }, worker));
  return tracker.result();
}

export interface FixedRateResult extends LoadResult {
  /** How late each request was dispatched against its schedule, in ms. */
  sendLagMs: number[];
  /** Request i was due at `startAt + i * intervalMs` (wall-clock ms): latency measured from there counts queueing. */
  startAt: number;
  intervalMs: number;
}

/**
 * Open loop: request i is dispatched at start + i / rate whatever happened to earlier ones, so a
 * slow server meets the same arrival rate (and its queueing shows) instead of slowing the
 * generator down. The pool needs enough sockets that dispatch never waits for a free one.
 */
export async function runFixedRate(
  options: LoadOptions & { ratePerSecond: number; durationSeconds: number },
): Promise<FixedRateResult> {
  const tracker = createTracker(options);
  const total = Math.round(options.ratePerSecond * options.durationSeconds);
  const intervalMs = 1000 / options.ratePerSecond;
  const sendLagMs: number[] = [];
  const inFlight: Promise<void>[] = [];
  const startAt = wallNowMs() + 5;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = wallNowMs();
      // Catch up on everything due: a late timer must not lower the rate.
      while (next < total && startAt + next * intervalMs <= now) {
        sendLagMs.push(wallNowMs() - (startAt + next * intervalMs));
        inFlight.push(tracker.send(next++));
      }
      if (next === total) return resolve();
      setTimeout(tick, Math.max(0, startAt + next * intervalMs - wallNowMs()));
    };
    setTimeout(tick, Math.max(0, startAt - wallNowMs()));
  });
  await Promise.all(inFlight);
  return { ...tracker.result(), sendLagMs, startAt, intervalMs };
}

function createTracker({ pool, request, expectStatus, onResponse }: LoadOptions) {
  let sent = 0;
  let firstSentAt = 0;
  let lastResponseAt = 0;
  let failures = 0;
  let firstFailure: string | null = null;
  const fail = (why: string) => {
    failures++;
    firstFailure ??= why;
  };
  return {
    async send(index: number): Promise<void> {
      const req = request(index);
      const sentAt = wallNowMs();
      if (sent++ === 0) firstSentAt = sentAt;
      try {
        const response = await pool.request({ method: 'POST', ...req });
        const receivedAt = wallNowMs();
        lastResponseAt = Math.max(lastResponseAt, receivedAt);
        if (response.statusCode !== expectStatus) {
          fail(`HTTP ${response.statusCode} from POST ${req.path}: ${(await response.body.text()).slice(0, 300)}`);
        } else if (onResponse) {
          onResponse(index, sentAt, receivedAt, await response.body.text());
        } else {
          await response.body.dump();
        }
      } catch (err) {
        fail(`POST ${req.path}: ${(err as Error).message}`);
      }
    },
    result: (): LoadResult => ({ sent, firstSentAt, lastResponseAt, failures, firstFailure }),
  };
}
