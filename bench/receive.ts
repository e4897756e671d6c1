/**
 * The receive benches: requests to hookd's `/in/{source}` (a source with one connection to a
 * destination on the bench's receiver, so that every accepted request is committed with its event
 * and forwarded), next to a bare Fastify route that only answers 200 (bare-ingest.ts), under the
 * same generator:
 * - ingest throughput: requests/s answered 200 at BENCH_CONCURRENCY in flight, on a source without
 *   verification and on one verifying Stripe signatures (the forwards are awaited too);
 * - ack and forward latency at a fixed rate, open loop, on the Stripe source (ingest-latency.ts).
 */
import { createServer, type AddressInfo } from 'node:net';
import { forkBenchChild, stopChild } from './children.js';
import { createSourceWithDestination } from './hookd-api.js';
import type { HookdDeployment } from './hookd-process.js';
import { measureIngestLatency, type IngestLatencyResult } from './ingest-latency.js';
import { openPool } from './load.js';
import type { Receiver } from './receiver-client.js';
import {
  type IngestSigning,
  prepareIngestRequests,
  STRIPE_SECRET,
  STRIPE_TOLERANCE_SECONDS,
} from './receive-requests.js';
import {
  type AnsweredResult,
  measureAnswered,
  measureThroughput,
  type ThroughputResult,
  type ThroughputSettings,
} from './throughput.js';

export interface ReceiveSettings extends ThroughputSettings {
  /** The latency run's fixed rate (requests/s) and length, after `warmupSeconds` unmeasured. */
  ratePerSecond: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Sockets of the open-loop generator's pool. */
  fixedRateConnections: number;
  payloadJson: string;
  /** How long the slow destination takes to answer each forward (ms). */
  slowMs: number;
}

/** One backend's receive results: null where the run failed. */
export interface ReceiveResults {
  /** Source without verification; Stripe-verified source. */
  none: ThroughputResult | null;
  stripe: ThroughputResult | null;
  latency: IngestLatencyResult | null;
  peakRssMiB: number | null;
  /** Stripe-verified source whose destination is slow or down (`measureTroubledDestinationIngest`), on hookd's own limits. */
  troubled?: Partial<Record<DestinationTrouble, AnsweredResult | null>>;
}

/** Runs one measurement; a failure is recorded by the caller and yields null. */
export type Attempt = <T>(what: string, fn: () => Promise<T>) => Promise<T | null>;

const BARE_PATH = '/in/src_bare';

/** Requests/s the bare Fastify route answers, in a child process of its own, and what each cost it. */
export async function measureBareIngest(settings: ReceiveSettings): Promise<AnsweredResult> {
  const bare = await forkBenchChild('bare-ingest.ts');
  const pool = openPool(`http://127.0.0.1:${bare.port}`, settings.concurrency);
  try {
    const count = settings.warmup + settings.repeat * settings.messages;
    const request = prepareIngestRequests(BARE_PATH, settings.payloadJson, 'none', 'bare', count);
    const cpuPids = bare.child.pid === undefined ? [] : [bare.child.pid];
    return await measureAnswered({ pool, request, expectStatus: 200, cpuPids }, settings);
  } finally {
    await pool.close();
    await stopChild(bare.child);
  }
}

/** The receive measurements on one running hookd; `paths` keeps its receiver paths apart from other runs'. */
export async function measureReceive(
  receiver: Receiver,
  hookd: HookdDeployment,
  run: { label: string; paths: string },
  settings: ReceiveSettings,
  attempt: Attempt,
  progress: (line: string) => void,
): Promise<ReceiveResults> {
  const ingest = (signing: IngestSigning) =>
    attempt(`${run.label}: ingest ${signing}`, async () => {
      progress(`${run.label}: ${settings.messages} requests to /in (${signing}) at ${settings.concurrency} concurrent`);
      const receiverPath = `${run.paths}-in-${signing}`;
      const sourceId = await createIngestRoute(hookd, receiver, signing, receiverPath);
      const pool = openPool(hookd.url, settings.concurrency);
      try {
        const count = settings.warmup + settings.repeat * settings.messages;
        const prefix = `${run.paths}-in-${signing}`;
        const request = prepareIngestRequests(`/in/${sourceId}`, settings.payloadJson, signing, prefix, count);
        return await measureThroughput(
          receiver,
          { pool, request, expectStatus: 200, receiverPath, cpuPids: hookd.pids() },
          settings,
        );
      } finally {
        await pool.close();
      }
    });
  const none = await ingest('none');
  const stripe = await ingest('stripe');
  const peakRssMiB = hookd.peakRssMiB();
  const latency = await attempt(`${run.label}: ingest latency`, async () => {
    progress(`${run.label}: ${settings.ratePerSecond} requests/s to /in (stripe) for ${settings.durationSeconds} s`);
    const receiverPath = `${run.paths}-in-latency`;
    const sourceId = await createIngestRoute(hookd, receiver, 'stripe', receiverPath);
    const pool = openPool(hookd.url, settings.fixedRateConnections);
    try {
      const request = (prefix: string, count: number) =>
        prepareIngestRequests(`/in/${sourceId}`, settings.payloadJson, 'stripe', prefix, count);
      return await measureIngestLatency(receiver, { pool, request, receiverPath, prefix: receiverPath }, settings);
    } finally {
      await pool.close();
    }
  });
  return { none, stripe, latency, peakRssMiB };
}

/** What is wrong with the destination: it answers each forward after `slowMs`, or refuses connections. */
export type DestinationTrouble = 'slow' | 'down';

/**
 * Requests/s answered by a Stripe-verified source whose destination is in `trouble`, on hookd's
 * own limits (16 forwards in flight per destination, the circuit breaker's defaults): `slow`, it
 * answers each forward after `slowMs` (a struggling service), and the forwards fall behind and
 * wait, held back, in the queue; `down`, a loopback port that refuses connections (a service being
 * deployed), and its circuit opens. What the ingest keeps up meanwhile, compared with the bare
 * route as the ingest runs are; the forwards are not awaited.
 */
export async function measureTroubledDestinationIngest(
  receiver: Receiver,
  hookd: HookdDeployment,
  run: { label: string; paths: string },
  settings: ReceiveSettings,
  trouble: DestinationTrouble,
  attempt: Attempt,
  progress: (line: string) => void,
): Promise<AnsweredResult | null> {
  const what = trouble === 'slow' ? `answering in ${settings.slowMs} ms` : 'refusing connections';
  return attempt(`${run.label}: ingest behind a destination ${what}`, async () => {
    progress(
      `${run.label}: ${settings.messages} requests to /in (stripe) at ${settings.concurrency} concurrent, destination ${what}`,
    );
    const receiverPath = `${run.paths}-in-${trouble}`;
    if (trouble === 'slow') await receiver.startPhase(receiverPath, Number.MAX_SAFE_INTEGER, false, settings.slowMs);
    const sourceId =
      trouble === 'slow'
        ? await createIngestRoute(hookd, receiver, 'stripe', receiverPath)
        : await createSourceWithDestination(hookd, 'bench down', `http://127.0.0.1:${await closedPort()}/`, {
            type: 'stripe',
            secrets: [STRIPE_SECRET],
            toleranceSeconds: STRIPE_TOLERANCE_SECONDS,
          });
    const pool = openPool(hookd.url, settings.concurrency);
    try {
      const count = settings.warmup + settings.repeat * settings.messages;
      const request = prepareIngestRequests(`/in/${sourceId}`, settings.payloadJson, 'stripe', receiverPath, count);
      return await measureAnswered({ pool, request, expectStatus: 200, cpuPids: hookd.pids() }, settings);
    } finally {
      await pool.close();
      if (trouble === 'slow') await receiver.startPhase('', 0);
    }
  });
}

/** A loopback port that refuses connections: one a server had and gave back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A source (Stripe-verified or not) connected to a destination at `receiverPath` on the receiver; its id. */
function createIngestRoute(
  hookd: HookdDeployment,
  receiver: Receiver,
  signing: IngestSigning,
  receiverPath: string,
): Promise<string> {
  const verification =
    signing === 'stripe'
      ? { type: 'stripe', secrets: [STRIPE_SECRET], toleranceSeconds: STRIPE_TOLERANCE_SECONDS }
      : undefined;
  return createSourceWithDestination(hookd, `bench ${signing}`, `${receiver.origin}${receiverPath}`, verification);
}
