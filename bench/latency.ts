import type { Pool } from 'undici';
import { runFixedRate, type LoadRequest } from './load.js';
import type { Receiver } from './receiver-client.js';
import { LoadFailedError } from './throughput.js';

export interface LatencySettings {
  ratePerSecond: number;
  durationSeconds: number;
  warmupSeconds: number;
  stallMs: number;
}

export interface LatencyResult {
  /** Receiver arrival minus the 202's arrival at the generator, per message, sorted, in ms. */
  latenciesMs: number[];
  /** Receiver arrival minus the create request's dispatch (end to end), sorted, in ms. */
  endToEndMs: number[];
  /** How late the generator dispatched requests against the schedule, sorted, in ms. */
  sendLagMs: number[];
  duplicates: number;
}

/**
 * Open-loop load at a fixed rate through hookd's API; each message's latency is the time from
 * the API's 202 (seen by the generator) to its delivery (seen by the receiver), matched by the
 * message id that the 202 returns and the delivery carries as `webhook-id`.
 */
export async function measureLatency(
  receiver: Receiver,
  target: { pool: Pool; request: (index: number) => LoadRequest; receiverPath: string },
  settings: LatencySettings,
): Promise<LatencyResult> {
  const run = async (seconds: number, recordTimes: boolean) => {
    const accepted = new Map<string, { sentAt: number; acceptedAt: number }>();
    const phase = await receiver.startPhase(
      target.receiverPath,
      Math.round(settings.ratePerSecond * seconds),
      recordTimes,
    );
    const sending = runFixedRate({
      pool: target.pool,
      request: target.request,
      expectStatus: 202,
      ratePerSecond: settings.ratePerSecond,
      durationSeconds: seconds,
      onResponse: (_index, sentAt, acceptedAt, body) =>
        accepted.set((JSON.parse(body) as { id: string }).id, { sentAt, acceptedAt }),
    }).then((load) => {
      if (load.failures > 0) throw new LoadFailedError(load);
      return load;
    });
    const summary = await phase.wait(sending, settings.stallMs);
    return { load: await sending, summary, accepted };
  };

  if (settings.warmupSeconds > 0) await run(settings.warmupSeconds, false);
  const { load, summary, accepted } = await run(settings.durationSeconds, true);
  const arrivedAt = new Map(summary.times);
  const latenciesMs: number[] = [];
  const endToEndMs: number[] = [];
  for (const [id, { sentAt, acceptedAt }] of accepted) {
    const arrival = arrivedAt.get(id);
    if (arrival === undefined) throw new Error(`message ${id} was accepted but its delivery was not seen`);
    latenciesMs.push(arrival - acceptedAt);
    endToEndMs.push(arrival - sentAt);
  }
  return {
    latenciesMs: latenciesMs.sort((a, b) => a - b),
    endToEndMs: endToEndMs.sort((a, b) => a - b),
    sendLagMs: load.sendLagMs.sort((a, b) => a - b),
    duplicates: summary.duplicates,
  };
}
