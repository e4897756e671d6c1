import type { Pool } from 'undici';
import { runConcurrent, type LoadRequest, type LoadResult } from './load.js';
import type { Receiver } from './receiver-client.js';

/** What the generator drives and where its requests (or their deliveries) arrive. */
export interface ThroughputTarget {
  pool: Pool;
  request: (index: number) => LoadRequest;
  expectStatus: number;
  /** The receiver path the requests end up at. */
  receiverPath: string;
  /** How long the receiver takes to answer each request (default 0: at once). */
  receiverDelayMs?: number;
}

export interface ThroughputSettings {
  messages: number;
  warmup: number;
  concurrency: number;
  stallMs: number;
}

export interface ThroughputResult {
  /** Messages per second from the first request sent to the last arrival at the receiver. */
  deliveredPerSecond: number;
  /** Requests per second the target answered, first sent to last answered. */
  acceptedPerSecond: number;
  duplicates: number;
}

/** Requests the generator sent that were not answered as expected. */
export class LoadFailedError extends Error {
  constructor(load: LoadResult) {
    super(`${load.failures} of ${load.sent} requests failed; first: ${load.firstFailure}`);
  }
}

/**
 * Sends `warmup` requests (not measured) and then `messages` requests at `concurrency` in flight,
 * and waits for every one of them at the receiver.
 */
export async function measureThroughput(
  receiver: Receiver,
  target: ThroughputTarget,
  settings: ThroughputSettings,
): Promise<ThroughputResult> {
  if (settings.warmup > 0) await sendAndReceive(receiver, target, settings.warmup, settings, 0);
  const { load, lastArrivalAt, duplicates } = await sendAndReceive(
    receiver,
    target,
    settings.messages,
    settings,
    settings.warmup,
  );
  return {
    deliveredPerSecond: settings.messages / ((lastArrivalAt - load.firstSentAt) / 1000),
    acceptedPerSecond: settings.messages / ((load.lastResponseAt - load.firstSentAt) / 1000),
    duplicates,
  };
}

async function sendAndReceive(
  receiver: Receiver,
  target: ThroughputTarget,
  count: number,
  settings: ThroughputSettings,
  firstIndex: number,
) {
  const phase = await receiver.startPhase(target.receiverPath, count, false, target.receiverDelayMs);
  const sending = runConcurrent({
    pool: target.pool,
    request: (index) => target.request(firstIndex + index),
    expectStatus: target.expectStatus,
    total: count,
    concurrency: settings.concurrency,
  }).then((load) => {
    if (load.failures > 0) throw new LoadFailedError(load);
    return load;
  });
  const summary = await phase.wait(sending, settings.stallMs);
  return { load: await sending, lastArrivalAt: summary.lastAt ?? NaN, duplicates: summary.duplicates };
}

/**
 * Requests per second a target answers as expected, where nothing arrives at the receiver (a
 * baseline that only answers): `warmup` unmeasured, then `messages` at `concurrency` in flight.
 */
export async function measureAnswered(
  target: Pick<ThroughputTarget, 'pool' | 'request' | 'expectStatus'>,
  settings: ThroughputSettings,
): Promise<number> {
  const send = async (total: number, firstIndex: number) => {
    const load = await runConcurrent({
      pool: target.pool,
      request: (index) => target.request(firstIndex + index),
      expectStatus: target.expectStatus,
      total,
      concurrency: settings.concurrency,
    });
    if (load.failures > 0) throw new LoadFailedError(load);
    return load;
  };
  if (settings.warmup > 0) await send(settings.warmup, 0);
  const load = await send(settings.messages, settings.warmup);
  return settings.messages / ((load.lastResponseAt - load.firstSentAt) / 1000);
}
