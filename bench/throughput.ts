import type { Pool } from 'undici';
import { type CpuTimes, cpuPerMessage, readCpuTimes } from './cpu.js';
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
  /** Processes whose CPU time per message is measured (hookd's, or the relay's). */
  cpuPids?: number[];
  /** The PostgreSQL server processes serving the target, read before each measured run. */
  backendPids?: () => Promise<number[]>;
}

export interface ThroughputSettings {
  messages: number;
  warmup: number;
  concurrency: number;
  stallMs: number;
  /** Measured runs (after one warm-up); the result is their median. */
  repeat: number;
}

export interface ThroughputResult {
  /** Messages per second from the first request sent to the last arrival at the receiver (median run). */
  deliveredPerSecond: number;
  /** Requests per second the target answered, first sent to last answered (median run). */
  acceptedPerSecond: number;
  /** Each measured run's `deliveredPerSecond`, in the order run. */
  runs: number[];
  /** Median CPU µs per message of `cpuPids` over the measured runs; null without pids or /proc. */
  cpu: CpuTimes | null;
  /**
   * Median CPU µs per message (every thread) of the bench's own parts in the same runs: this
   * process (the load generator) and the receiver; null without /proc. What they take of the
   * machine's CPUs is not left for the process under test.
   */
  harness: { generatorUs: number; receiverUs: number } | null;
  /** Median CPU µs per message of the PostgreSQL backends (`backendPids`); null without them. */
  backendUs: number | null;
  duplicates: number;
}

/** Requests the generator sent that were not answered as expected. */
export class LoadFailedError extends Error {
  constructor(load: LoadResult) {
    super(`${load.failures} of ${load.sent} requests failed; first: ${load.firstFailure}`);
  }
}

/**
 * Sends `warmup` requests (not measured), then `repeat` times `messages` requests at `concurrency`
 * in flight, waiting each time for every one of them at the receiver; reports the median run.
 */
export async function measureThroughput(
  receiver: Receiver,
  target: ThroughputTarget,
  settings: ThroughputSettings,
): Promise<ThroughputResult> {
  if (settings.warmup > 0) await sendAndReceive(receiver, target, settings.warmup, settings, 0);
  const runs: {
    delivered: number;
    accepted: number;
    cpu: CpuTimes | null;
    harness: Harness | null;
    backendUs: number | null;
  }[] = [];
  let duplicates = 0;
  for (let run = 0; run < settings.repeat; run++) {
    const pids = target.cpuPids ?? [];
    const cpuBefore = pids.map(readCpuTimes);
    const harnessBefore = [readCpuTimes(process.pid), readCpuTimes(receiver.pid)];
    const backendsBefore = target.backendPids ? await readBackends(target.backendPids) : null;
    const firstIndex = settings.warmup + run * settings.messages;
    const result = await sendAndReceive(receiver, target, settings.messages, settings, firstIndex);
    const cpu = pids.length > 0 ? cpuPerMessage(cpuBefore, pids.map(readCpuTimes), settings.messages) : null;
    const generator = cpuPerMessage([harnessBefore[0]], [readCpuTimes(process.pid)], settings.messages);
    const receiverCpu = cpuPerMessage([harnessBefore[1]], [readCpuTimes(receiver.pid)], settings.messages);
    const harness =
      generator && receiverCpu ? { generatorUs: generator.processUs, receiverUs: receiverCpu.processUs } : null;
    const backendUs =
      target.backendPids && backendsBefore
        ? backendCpuUs(backendsBefore, await readBackends(target.backendPids)) / settings.messages
        : null;
    duplicates += result.duplicates;
    runs.push({
      backendUs,
      delivered: settings.messages / ((result.lastArrivalAt - result.load.firstSentAt) / 1000),
      accepted: settings.messages / ((result.load.lastResponseAt - result.load.firstSentAt) / 1000),
      cpu,
      harness,
    });
  }
  const cpus = runs.map((r) => r.cpu);
  const harnesses = runs.map((r) => r.harness);
  return {
    deliveredPerSecond: median(runs.map((r) => r.delivered)),
    acceptedPerSecond: median(runs.map((r) => r.accepted)),
    runs: runs.map((r) => r.delivered),
    cpu: medianCpu(cpus),
    harness: harnesses.every((h) => h !== null)
      ? {
          generatorUs: median(harnesses.map((h) => h.generatorUs)),
          receiverUs: median(harnesses.map((h) => h.receiverUs)),
        }
      : null,
    backendUs: medianOrNull(runs.map((r) => r.backendUs)),
    duplicates,
  };
}

type Harness = NonNullable<ThroughputResult['harness']>;

/** Each backend's CPU µs so far, by pid. */
async function readBackends(pids: () => Promise<number[]>): Promise<Map<number, number>> {
  const cpu = new Map<number, number>();
  for (const pid of await pids()) {
    const times = readCpuTimes(pid);
    if (times) cpu.set(pid, times.processUs);
  }
  return cpu;
}

/**
 * The backends' CPU between two readings: a connection opened meanwhile counts from its start; one
 * closed meanwhile (the pool drops idle connections) counts nothing, so this is a lower bound.
 */
function backendCpuUs(before: Map<number, number>, after: Map<number, number>): number {
  let us = 0;
  for (const [pid, end] of after) us += end - (before.get(pid) ?? 0);
  return us;
}

/** The median of values read in each run; null when a run could not read its value. */
function medianOrNull(values: (number | null)[]): number | null {
  return values.every((v) => v !== null) ? median(values) : null;
}

/** The median of each CPU figure over runs; null when a run could not read them. */
function medianCpu(cpus: (CpuTimes | null)[]): CpuTimes | null {
  if (!cpus.every((c) => c !== null)) return null;
  return { processUs: median(cpus.map((c) => c.processUs)), mainThreadUs: median(cpus.map((c) => c.mainThreadUs)) };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
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

/** `measureAnswered`'s result: the median run's rate and the CPU that runs' requests cost. */
export interface AnsweredResult {
  perSecond: number;
  /** Median CPU µs per request of `cpuPids` over the measured runs; null without pids or /proc. */
  cpu: CpuTimes | null;
  /** Median CPU µs per request of this process (the load generator); null without /proc. */
  generatorUs: number | null;
}

/**
 * Requests answered per second (no receiver: nothing is delivered), the median of `repeat` runs
 * after the warm-up, with the CPU each request cost `cpuPids` and the generator.
 */
export async function measureAnswered(
  target: Pick<ThroughputTarget, 'pool' | 'request' | 'expectStatus' | 'cpuPids'>,
  settings: ThroughputSettings,
): Promise<AnsweredResult> {
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
  const runs: { rate: number; cpu: CpuTimes | null; generatorUs: number | null }[] = [];
  const pids = target.cpuPids ?? [];
  for (let run = 0; run < settings.repeat; run++) {
    const before = pids.map(readCpuTimes);
    const generatorBefore = readCpuTimes(process.pid);
    const load = await send(settings.messages, settings.warmup + run * settings.messages);
    const generator = cpuPerMessage([generatorBefore], [readCpuTimes(process.pid)], settings.messages);
    runs.push({
      rate: settings.messages / ((load.lastResponseAt - load.firstSentAt) / 1000),
      cpu: pids.length > 0 ? cpuPerMessage(before, pids.map(readCpuTimes), settings.messages) : null,
      generatorUs: generator?.processUs ?? null,
    });
  }
  const cpus = runs.map((r) => r.cpu);
  return {
    perSecond: median(runs.map((r) => r.rate)),
    cpu: medianCpu(cpus),
    generatorUs: medianOrNull(runs.map((r) => r.generatorUs)),
  };
}
