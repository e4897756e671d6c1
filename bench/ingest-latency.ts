import type { Pool } from 'undici';
import { runFixedRate, type LoadRequest } from './load.js';
import type { Receiver } from './receiver-client.js';
import type { LatencySettings } from './latency.js';
import { LoadFailedError } from './throughput.js';

export interface IngestLatencyResult {
  /** Answer at the generator minus the time the request was due (open-loop schedule), sorted, in ms. */
  ackMs: number[];
  /** Arrival at the destination minus the answer at the generator, sorted, in ms (negative: forwarded first). */
  forwardMs: number[];
  /** How late the generator dispatched requests against the schedule, sorted, in ms. */
  sendLagMs: number[];
  duplicates: number;
}

/** What the generator drives: `request(prefix)` gives the requests of one run, keyed `prefix-i`. */
export interface IngestLatencyTarget {
  pool: Pool;
  request: (prefix: string, count: number) => (index: number) => LoadRequest;
  /** The destination's path at the receiver. */
  receiverPath: string;
  /** Keys the runs' requests apart from every other phase's (the receiver counts a key once). */
  prefix: string;
}

/**
 * Open-loop load at a fixed rate on `/in/{source}`. The ack latency is measured from the time each
 * request was due, not sent, so that a server that makes the generator wait (coordinated
 * omission) shows its queueing; the forward latency is from that answer to the forwarded
 * request's arrival at the receiver, matched by `x-bench-seq`. Both ends stamp wallNowMs(); the
 * receiver's times come converted to this process's clock.
 */
export async function measureIngestLatency(
  receiver: Receiver,
  target: IngestLatencyTarget,
  settings: LatencySettings,
): Promise<IngestLatencyResult> {
  const run = async (seconds: number, prefix: string, recordTimes: boolean) => {
    const total = Math.round(settings.ratePerSecond * seconds);
    const request = target.request(prefix, total);
    const answeredAt = new Float64Array(total).fill(Number.NaN);
    const phase = await receiver.startPhase(target.receiverPath, total, recordTimes);
    const sending = runFixedRate({
      pool: target.pool,
      request,
      expectStatus: 200,
      ratePerSecond: settings.ratePerSecond,
      durationSeconds: seconds,
      onResponse: (index, _sentAt, receivedAt) => {
        answeredAt[index] = receivedAt;
      },
    }).then((load) => {
      if (load.failures > 0) throw new LoadFailedError(load);
      return load;
    });
    const summary = await phase.wait(sending, settings.stallMs);
    return { load: await sending, summary, answeredAt };
  };

  if (settings.warmupSeconds > 0) await run(settings.warmupSeconds, `${target.prefix}-warmup`, false);
  const prefix = `${target.prefix}-measured`;
  const { load, summary, answeredAt } = await run(settings.durationSeconds, prefix, true);
  const arrivedAt = new Map(summary.times);
  const ackMs: number[] = [];
  const forwardMs: number[] = [];
  answeredAt.forEach((answered, i) => {
    const arrival = arrivedAt.get(`${prefix}-${i}`);
    if (arrival === undefined) throw new Error(`request ${prefix}-${i} was answered but its forward was not seen`);
    ackMs.push(answered - (load.startAt + i * load.intervalMs));
    forwardMs.push(arrival - answered);
  });
  const ascending = (a: number, b: number) => a - b;
  return {
    ackMs: ackMs.sort(ascending),
    forwardMs: forwardMs.sort(ascending),
    sendLagMs: load.sendLagMs.sort(ascending),
    duplicates: summary.duplicates,
  };
}
