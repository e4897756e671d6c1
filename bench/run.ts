/**
 * `npm run bench`: hookd's throughput, latency and memory on this machine, next to baselines
 * measured in the same run against the same receiver, on SQLite and on PostgreSQL (one column each):
 *
 * - raw: the load generator POSTs straight to the receiver (the limit of one loopback hop);
 * - relay: a stateless relay answers 202 and forwards each body (two hops, nothing kept);
 * - hookd: messages created through the API, persisted, signed and delivered to the receiver,
 *   by one process (role `all`) on each backend;
 * - PostgreSQL only: one API process with one, then two worker processes (scale-out), against the
 *   receiver answering at once and then after BENCH_SLOW_MS, and the cost of a claimed batch with
 *   10,000 and with BENCH_BACKLOG pending deliveries (claim-cost.ts).
 *
 * Every process (generator here; receiver, relay and hookd as children) talks over 127.0.0.1 only.
 * Each PostgreSQL measurement gets a fresh schema `hookd_bench_<random>`, dropped afterwards (also
 * on failure or Ctrl-C). The exit code is 0 when targets are missed (this is a measurement) and 1
 * when something broke, e.g. messages that never arrived. An unreachable PostgreSQL is skipped
 * with a note.
 *
 * Settings (environment):
 *   BENCH_MESSAGES=20000      messages per throughput run
 *   BENCH_REPEAT=3            measured throughput runs per figure (after one warm-up); the median is shown
 *   BENCH_WARMUP=3000         unmeasured requests before each throughput run (JIT, connection pools)
 *   BENCH_CONCURRENCY=64      requests in flight during throughput runs
 *   BENCH_RATE=500            messages per second during the latency runs
 *   BENCH_SECONDS=20          length of each latency run
 *   BENCH_STALL_SECONDS=30    a run fails after this long without a new arrival
 *   BENCH_HOOKD=dist|tsx      dist: `npm run build`, then run dist/ (default); tsx: run src/ as it is
 *   BENCH_CPU_PROF=<dir>      run every hookd process with --cpu-prof; profiles are written to <dir>
 *                             when they stop (the notes say which pid was which)
 *   BENCH_BACKENDS=sqlite,postgres   which hookd columns to run (default both)
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test   the PostgreSQL to use
 *   BENCH_BACKLOG=1000000     the large backlog of the claim-cost measurement (the small one is
 *                             10,000); 0 skips the claim-cost measurement
 *   BENCH_CLAIM_BATCHES=50    measured batches per backlog (after 20 unmeasured)
 *   BENCH_SCALE_OUT=1         0 skips the 1 API + 1/2 workers runs
 *   BENCH_SLOW_MS=200         the scale-out runs again against a receiver that answers each delivery
 *                             this late, as real endpoints do: there a worker's deliveries in flight
 *                             (HOOKD_WORKER_CONCURRENCY), not the CPUs, are the limit; 0 skips them
 *   BENCH_PG_TRACE=<dir>      load bench/pg-trace.ts into hookd on PostgreSQL: statements per
 *                             message and time per statement, printed under the table
 *   BENCH_SEND=1              0 skips the send side (raw, relay, hookd's API → delivered, claim cost)
 *   BENCH_RECEIVE=1           0 skips the receive side (receive.ts): `/in/{source}` against a bare
 *                             Fastify route (BENCH_MESSAGES at BENCH_CONCURRENCY, no verification and
 *                             Stripe), then ack and forward latency at BENCH_RECEIVE_RATE for BENCH_SECONDS
 *   BENCH_RECEIVE_RATE=1000   requests per second during the receive latency run
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { CLAIM_BATCH, measureClaimCosts, type ClaimCostResult } from './claim-cost.js';
import { createAppWithEndpoint, messageRequest } from './hookd-api.js';
import { buildHookd, type DeploymentOptions, HookdDeployment, type HookdMode } from './hookd-process.js';
import { measureLatency, type LatencyResult } from './latency.js';
import { openPool } from './load.js';
import { forkBenchChild, ROOT_DIR, stopChild } from './children.js';
import { pgTraceDir, pgTraceNodeArgs, summarizeTrace } from './pg-trace-report.js';
import { backendPids, DEFAULT_DATABASE_URL, probe, redactUrl, withBenchSchema } from './postgres.js';
import { Receiver } from './receiver-client.js';
import {
  formatCount,
  formatCpu,
  formatMs,
  formatRate,
  formatRatio,
  formatRuns,
  mean,
  printTable,
  quantile,
  type Cell,
  type Row,
} from './report.js';
import { type AnsweredResult, measureThroughput, type ThroughputResult } from './throughput.js';
import {
  measureBareIngest,
  measureReceive,
  measureTroubledDestinationIngest,
  type DestinationTrouble,
  type ReceiveResults,
  type ReceiveSettings,
} from './receive.js';
import { receiveCpuBudgetNotes, receiveNotes, receiveRows } from './receive-report.js';

const TARGET_HOOKD_TO_RELAY = 0.65;
/** CPU µs per message on hookd's main thread, SQLite, throughput run (issue 13). */
const TARGET_MAIN_THREAD_US = 240;
const TARGET_P50_MS = 5;
const TARGET_P99_MS = 25;
const TARGET_PG_HOOKD_TO_RAW = 0.35;
const TARGET_PG_P99_MS = 50;
const TARGET_CLAIM_GROWTH = 1.5;
/** The claim-cost measurement's small backlog. */
const SMALL_BACKLOG = 10_000;
const CLAIM_WARMUP_BATCHES = 20;
/** A 1-minute load average from which the machine is reported busy before the bench started. */
const BUSY_LOAD_AVERAGE = 1;
/** An unmeasured run at the latency run's rate, so that it starts on warm connections and code. */
const LATENCY_WARMUP_SECONDS = 1;
/** Connections of the open-loop generator: enough that no send waits for a free socket. */
const FIXED_RATE_CONNECTIONS = 256;

/** A typical small webhook body (~0.4 KB), the same for every request of every run. */
const PAYLOAD_JSON = JSON.stringify({
  id: 'evt_2Zb7q3kVxQ9mYtP4sLrN8wHc',
  type: 'invoice.paid',
  created: 1732665600,
  data: {
    object: {
      id: 'in_1QPz8uLkdIwHu7ixW5m3xYc2',
      customer: 'cus_R3kVxQ9mYtP4sL',
      amount_due: 4200,
      amount_paid: 4200,
      currency: 'usd',
      status: 'paid',
      lines: [{ id: 'il_1QPz8u', description: 'Pro plan (monthly)', amount: 4200, quantity: 1 }],
      metadata: { order_id: 'ord_81422', region: 'eu-west-1' },
    },
  },
});

function intSetting(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

type Backend = 'sqlite' | 'postgres';

function backendsSetting(): Backend[] {
  const raw = process.env.BENCH_BACKENDS;
  if (raw === undefined || raw.trim() === '') return ['sqlite', 'postgres'];
  const names = raw
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => name !== 'sqlite' && name !== 'postgres');
  if (unknown.length > 0 || names.length === 0)
    throw new Error(`BENCH_BACKENDS: a list of sqlite and postgres, got ${JSON.stringify(raw)}`);
  return (['sqlite', 'postgres'] as const).filter((backend) => names.includes(backend));
}

const settings = {
  messages: intSetting('BENCH_MESSAGES', 20_000, 1),
  repeat: intSetting('BENCH_REPEAT', 3, 1),
  warmup: intSetting('BENCH_WARMUP', 3_000, 0),
  concurrency: intSetting('BENCH_CONCURRENCY', 64, 1),
  ratePerSecond: intSetting('BENCH_RATE', 500, 1),
  durationSeconds: intSetting('BENCH_SECONDS', 20, 1),
  stallMs: intSetting('BENCH_STALL_SECONDS', 30, 1) * 1000,
  backends: backendsSetting(),
  databaseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_DATABASE_URL,
  backlog: intSetting('BENCH_BACKLOG', 1_000_000, 0),
  claimBatches: intSetting('BENCH_CLAIM_BATCHES', 50, 1),
  scaleOut: intSetting('BENCH_SCALE_OUT', 1, 0) > 0,
  slowMs: intSetting('BENCH_SLOW_MS', 200, 0),
  send: intSetting('BENCH_SEND', 1, 0) > 0,
  receive: intSetting('BENCH_RECEIVE', 1, 0) > 0,
  receiveRate: intSetting('BENCH_RECEIVE_RATE', 1_000, 1),
};
const receiveSettings: ReceiveSettings = {
  ...settings,
  ratePerSecond: settings.receiveRate,
  warmupSeconds: LATENCY_WARMUP_SECONDS,
  fixedRateConnections: FIXED_RATE_CONNECTIONS,
  payloadJson: PAYLOAD_JSON,
};
const cpuProfileDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null;
const traceDir = pgTraceDir();
/** Deliveries in flight per hookd worker: hookd's processes get no HOOKD_* variables from the bench. */
const workerConcurrency = loadConfig({ env: {}, cwd: ROOT_DIR }).workerConcurrency;

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** One backend's hookd (role `all`): null where the run failed or did not happen. */
interface HookdResults {
  throughput: ThroughputResult | null;
  latency: LatencyResult | null;
  peakRssMiB: number | null;
}

/** 1 API + 1 worker and 1 API + 2 workers: null where the run failed or did not happen. */
interface ScaleOutResults {
  oneWorker: ThroughputResult | null;
  twoWorkers: ThroughputResult | null;
}

interface PostgresResults extends HookdResults {
  version: string;
  scaleOut: ScaleOutResults;
  /** The same against a receiver answering after BENCH_SLOW_MS. */
  slowScaleOut: ScaleOutResults;
  claims: ClaimCostResult[] | null;
}

/** A run's outcome: null where it failed; the failures are in `errors`. */
interface Results {
  raw: ThroughputResult | null;
  relay: ThroughputResult | null;
  sqlite: HookdResults | null;
  postgres: PostgresResults | null;
  receive: { bare: AnsweredResult | null; sqlite: ReceiveResults | null; postgres: ReceiveResults | null } | null;
  /** The PostgreSQL server's version; null when it was not run (unreachable or not asked for). */
  postgresVersion: string | null;
}

/** What went wrong (the exit code is 1 if anything did), and what the notes under the table add. */
const errors: string[] = [];
const notes: string[] = [];
/** Which hookd process had which pid, to tell CPU profiles apart. */
const profileNotes: string[] = [];
/** BENCH_PG_TRACE: each PostgreSQL run's statement summary. */
const traceReports: string[] = [];

/** Runs one measurement; a failure is recorded in `errors` and yields null, and the bench goes on. */
async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    errors.push(`${what}: ${(err as Error).message}`);
    progress(`${what} FAILED`);
    return null;
  }
}

async function main(): Promise<number> {
  const loadAtStart = loadavg()[0];
  const mode = chooseHookdMode();

  // Probe first: an unreachable PostgreSQL is known before anything is measured.
  let postgresVersion: string | null = null;
  if (settings.backends.includes('postgres')) {
    const reachable = await probe(settings.databaseUrl);
    if (reachable.ok) postgresVersion = reachable.version;
    else
      notes.push(
        `PostgreSQL skipped: ${redactUrl(settings.databaseUrl)} is unreachable (${reachable.reason}); set BENCH_DATABASE_URL`,
      );
  }

  const receiver = await Receiver.start();
  const results: Results = { raw: null, relay: null, sqlite: null, postgres: null, receive: null, postgresVersion };
  if (settings.send) {
    results.raw = await attempt('raw', () => measureRaw(receiver));
    results.relay = await attempt('relay', () => measureRelay(receiver));
    if (settings.backends.includes('sqlite'))
      results.sqlite = await runHookd(receiver, { label: 'sqlite', mode, paths: '/sqlite' });
    if (postgresVersion !== null) results.postgres = await runPostgres(receiver, mode, postgresVersion);
  }
  if (settings.receive) {
    progress(`bare Fastify route: ${settings.messages} requests at ${settings.concurrency} concurrent`);
    const bare = await attempt('bare route', () => measureBareIngest(receiveSettings));
    results.receive = { bare, sqlite: null, postgres: null };
    if (settings.backends.includes('sqlite')) {
      const run = { label: 'sqlite receive', mode, paths: '/sqlite' };
      results.receive.sqlite = await runReceive(receiver, run);
      if (results.receive.sqlite)
        results.receive.sqlite.troubled = await runTroubledDestinations(receiver, run, (fn) => fn(undefined));
    }
    if (postgresVersion !== null) {
      const run = { label: 'postgres receive', mode, paths: '/pg' };
      const inSchema = <T>(fn: (databaseUrl: string | undefined) => Promise<T>) =>
        attempt(run.label, () => withBenchSchema(settings.databaseUrl, (schema) => fn(schema.url)));
      const postgres = await inSchema((databaseUrl) => runReceive(receiver, { ...run, databaseUrl }));
      results.receive.postgres = postgres ?? null;
      if (postgres) postgres.troubled = await runTroubledDestinations(receiver, run, inSchema);
    }
  }
  await receiver.stop();

  printReport(results, { mode, loadAtStart, clock: receiver });
  return errors.length > 0 ? 1 : 0;
}

/** One hookd deployment: throughput at `settings.concurrency`, then (unless `throughputOnly`) latency, on the same processes. */
async function runHookd(
  receiver: Receiver,
  run: {
    label: string;
    mode: HookdMode;
    paths: string;
    databaseUrl?: string;
    workers?: number;
    receiverDelayMs?: number;
    throughputOnly?: boolean;
  },
): Promise<HookdResults> {
  const results: HookdResults = { throughput: null, latency: null, peakRssMiB: null };
  await withHookd(run, async (hookd, count) => {
    count(settings.warmup + settings.messages);
    results.throughput = await attempt(`${run.label}: throughput`, () =>
      measureHookdThroughput(receiver, hookd, run.label, run.paths, run.receiverDelayMs, run.databaseUrl),
    );
    results.peakRssMiB = hookd.peakRssMiB();
    if (!run.throughputOnly) {
      count(settings.ratePerSecond * (settings.durationSeconds + LATENCY_WARMUP_SECONDS));
      results.latency = await attempt(`${run.label}: latency`, () =>
        measureHookdLatency(receiver, hookd, run.label, `${run.paths}-latency`),
      );
    }
  });
  return results;
}

/** One hookd process (role `all`) for the receive benches: ingest throughput, then latency. */
async function runReceive(
  receiver: Receiver,
  run: { label: string; mode: HookdMode; paths: string; databaseUrl?: string },
): Promise<ReceiveResults | null> {
  return withHookd(run, (hookd, count) => {
    count(
      2 * (settings.warmup + settings.messages) +
        settings.receiveRate * (settings.durationSeconds + LATENCY_WARMUP_SECONDS),
    );
    return measureReceive(receiver, hookd, run, receiveSettings, attempt, progress);
  });
}

/**
 * The ingest behind a slow and behind a refusing destination (the first unless
 * `BENCH_SLOW_MS=0`), each on another hookd with hookd's own limits (and on PostgreSQL a schema
 * of its own, from `inSchema`).
 */
async function runTroubledDestinations(
  receiver: Receiver,
  run: { label: string; mode: HookdMode; paths: string },
  inSchema: <T>(fn: (databaseUrl: string | undefined) => Promise<T>) => Promise<T | null>,
): Promise<NonNullable<ReceiveResults['troubled']>> {
  const troubled: NonNullable<ReceiveResults['troubled']> = {};
  const troubles: DestinationTrouble[] = settings.slowMs > 0 ? ['slow', 'down'] : ['down'];
  for (const trouble of troubles) {
    troubled[trouble] =
      (await inSchema((databaseUrl) =>
        withHookd({ ...run, databaseUrl, fairLimits: 'hookd' }, (hookd, count) => {
          count(settings.warmup + settings.repeat * settings.messages);
          return measureTroubledDestinationIngest(receiver, hookd, run, receiveSettings, trouble, attempt, progress);
        }),
      )) ?? null;
  }
  return troubled;
}

/**
 * Starts hookd for `run` (with the profiling and tracing flags asked for), gives it to `measure`,
 * and stops it whatever happened; null if it did not start. `count` adds to the messages (or
 * requests) the run sent, which the PostgreSQL trace divides by. A measurement that failed adds
 * hookd's last output to the errors.
 */
async function withHookd<T>(
  run: {
    label: string;
    mode: HookdMode;
    databaseUrl?: string;
    workers?: number;
    fairLimits?: DeploymentOptions['fairLimits'];
  },
  measure: (hookd: HookdDeployment, count: (messages: number) => void) => Promise<T>,
): Promise<T | null> {
  progress(`${run.label}: starting hookd (${run.mode})`);
  const tracing = traceDir !== null && run.databaseUrl !== undefined;
  const nodeArgs = [
    ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []),
    ...(tracing ? pgTraceNodeArgs() : []),
  ];
  const hookd = await attempt(`${run.label}: start`, () =>
    HookdDeployment.start({
      mode: run.mode,
      databaseUrl: run.databaseUrl,
      workers: run.workers ?? 0,
      nodeArgs,
      fairLimits: run.fairLimits,
    }),
  );
  if (!hookd) return null;
  let messages = 0;
  const errorsBefore = errors.length;
  try {
    return await measure(hookd, (n) => {
      messages += n;
    });
  } finally {
    if (errors.length > errorsBefore) errors.push(`${run.label}: hookd output (tail):\n${indent(hookd.outputTail())}`);
    if (cpuProfileDir) profileNotes.push(`${run.label}: ${hookd.describe()}`);
    await hookd.stop();
    if (tracing) {
      const lines = summarizeTrace(
        traceDir,
        hookd.processes.map((p) => p.pid),
        messages,
      );
      traceReports.push(`${run.label} (${hookd.describe()}):\n${indent(lines.join('\n'))}`);
    }
  }
}

/**
 * hookd on PostgreSQL: one process, then 1 API + 1 worker and 1 API + 2 workers (against the
 * receiver answering at once, then late), then claim cost; a fresh schema each.
 */
async function runPostgres(receiver: Receiver, mode: HookdMode, version: string): Promise<PostgresResults> {
  const base = settings.databaseUrl;
  const onSchema = <T>(fn: (url: string) => Promise<T>) => withBenchSchema(base, (schema) => fn(schema.url));
  const one = (await attempt('postgres', () =>
    onSchema((databaseUrl) => runHookd(receiver, { label: 'postgres', mode, paths: '/pg', databaseUrl })),
  )) ?? { throughput: null, latency: null, peakRssMiB: null };
  const noRuns = (): ScaleOutResults => ({ oneWorker: null, twoWorkers: null });
  const results: PostgresResults = { ...one, version, scaleOut: noRuns(), slowScaleOut: noRuns(), claims: null };

  // With the receiver answering at once, the CPUs are the limit, which a second worker on the same
  // machine cannot raise; with a slow endpoint, each worker's deliveries in flight are.
  for (const delayMs of !settings.scaleOut ? [] : settings.slowMs > 0 ? [0, settings.slowMs] : [0]) {
    const runs = delayMs > 0 ? results.slowScaleOut : results.scaleOut;
    for (const workers of [1, 2]) {
      const label = `postgres 1 api + ${workers} worker${workers > 1 ? 's' : ''}${delayMs > 0 ? `, endpoint answering after ${delayMs} ms` : ''}`;
      const paths = `/pg-${workers}w${delayMs > 0 ? '-slow' : ''}`;
      const run = await attempt(label, () =>
        onSchema((databaseUrl) =>
          runHookd(receiver, {
            label,
            mode,
            paths,
            databaseUrl,
            workers,
            receiverDelayMs: delayMs,
            throughputOnly: true,
          }),
        ),
      );
      runs[workers === 1 ? 'oneWorker' : 'twoWorkers'] = run?.throughput ?? null;
    }
  }

  if (settings.backlog > 0) {
    const backlogs = [...new Set([SMALL_BACKLOG, settings.backlog])];
    const claimSettings = {
      batches: settings.claimBatches,
      warmupBatches: CLAIM_WARMUP_BATCHES,
      payloadJson: PAYLOAD_JSON,
    };
    const claims =
      (await attempt('postgres claim cost', () => measureClaimCosts(base, backlogs, claimSettings, progress))) ?? [];
    results.claims = claims;
    for (const c of claims) {
      const sorted = [...c.batchMs].sort((a, b) => a - b);
      notes.push(
        `claim cost, ${formatCount(c.backlog)} pending (seeded in ${(c.seedMs / 1000).toFixed(1)} s): ` +
          `claim + record p50 ${formatMs(quantile(sorted, 0.5))}, p90 ${formatMs(quantile(sorted, 0.9))}, max ${formatMs(quantile(sorted, 1))}`,
      );
    }
  }
  return results;
}

async function measureRaw(receiver: Receiver): Promise<ThroughputResult> {
  progress(`raw: ${settings.messages} requests at ${settings.concurrency} concurrent`);
  const pool = openPool(receiver.origin, settings.concurrency);
  try {
    const request = (i: number) => benchRequest('/raw', `raw-${i}`);
    return await measureThroughput(receiver, { pool, expectStatus: 200, receiverPath: '/raw', request }, settings);
  } finally {
    await pool.close();
  }
}

async function measureRelay(receiver: Receiver): Promise<ThroughputResult> {
  progress(`relay: ${settings.messages} requests at ${settings.concurrency} concurrent`);
  const relay = await forkBenchChild('relay.ts', [receiver.origin, '/relay']);
  const pool = openPool(`http://127.0.0.1:${relay.port}`, settings.concurrency);
  try {
    const request = (i: number) => benchRequest('/', `relay-${i}`);
    const cpuPids = relay.child.pid === undefined ? [] : [relay.child.pid];
    return await measureThroughput(
      receiver,
      { pool, expectStatus: 202, receiverPath: '/relay', request, cpuPids },
      settings,
    );
  } finally {
    await pool.close();
    await stopChild(relay.child);
  }
}

async function measureHookdThroughput(
  receiver: Receiver,
  hookd: HookdDeployment,
  label: string,
  path: string,
  receiverDelayMs = 0,
  databaseUrl?: string,
): Promise<ThroughputResult> {
  progress(`${label}: ${settings.messages} messages at ${settings.concurrency} concurrent`);
  const appId = await createAppWithEndpoint(hookd, 'bench-throughput', `${receiver.origin}${path}`);
  const pool = openPool(hookd.url, settings.concurrency);
  try {
    const request = messageRequest(hookd, appId, PAYLOAD_JSON);
    return await measureThroughput(
      receiver,
      {
        pool,
        expectStatus: 202,
        receiverPath: path,
        receiverDelayMs,
        request,
        cpuPids: hookd.pids(),
        backendPids: databaseUrl === undefined ? undefined : () => backendPids(databaseUrl),
      },
      settings,
    );
  } finally {
    await pool.close();
  }
}

/** On an application of its own, so that late deliveries of the throughput run cannot count here. */
async function measureHookdLatency(
  receiver: Receiver,
  hookd: HookdDeployment,
  label: string,
  path: string,
): Promise<LatencyResult> {
  progress(`${label}: ${settings.ratePerSecond} messages/s for ${settings.durationSeconds} s`);
  const appId = await createAppWithEndpoint(hookd, 'bench-latency', `${receiver.origin}${path}`);
  const pool = openPool(hookd.url, FIXED_RATE_CONNECTIONS);
  try {
    const request = messageRequest(hookd, appId, PAYLOAD_JSON);
    const latencySettings = { ...settings, warmupSeconds: LATENCY_WARMUP_SECONDS };
    return await measureLatency(receiver, { pool, request, receiverPath: path }, latencySettings);
  } finally {
    await pool.close();
  }
}

function printReport(results: Results, context: { mode: HookdMode; loadAtStart: number; clock: Receiver }): void {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  const from = context.mode === 'dist' ? 'dist/' : 'src/ (tsx)';
  console.log(
    `\nhookd bench: node ${process.version}, ${cpus().length} CPUs (${cpu}), ${process.platform}/${process.arch}; hookd from ${from}`,
  );
  // Other work on the machine skews every number; the load average says whether there was some.
  const busy = context.loadAtStart >= BUSY_LOAD_AVERAGE ? ' (busy: other processes skew these numbers)' : '';
  console.log(`load average (1 min) at start: ${context.loadAtStart.toFixed(2)}${busy}`);
  console.log(
    `throughput: ${settings.messages} messages at ${settings.concurrency} concurrent after ${settings.warmup} warm-up; ` +
      `latency: ${settings.ratePerSecond} messages/s for ${settings.durationSeconds} s, open loop` +
      (settings.receive ? `; receive latency: ${settings.receiveRate} requests/s` : ''),
  );
  if (results.postgresVersion !== null)
    console.log(
      `postgres: PostgreSQL ${results.postgresVersion} at ${redactUrl(settings.databaseUrl)}, a fresh schema per run`,
    );
  console.log('');

  const columns: { title: Backend; hookd: HookdResults | null }[] = [];
  if (settings.backends.includes('sqlite')) columns.push({ title: 'sqlite', hookd: results.sqlite });
  if (results.postgresVersion !== null) columns.push({ title: 'postgres', hookd: results.postgres });
  const cells = (cell: (backend: Backend, hookd: HookdResults | null) => Cell | string | undefined) =>
    columns.map(({ title, hookd }) => cell(title, hookd));
  // A target names its backend, and is shown only where that backend has a column.
  const target = (byBackend: Partial<Record<Backend, string>>) =>
    columns.flatMap(({ title }) => (byBackend[title] ? [`${title} ${byBackend[title]}`] : [])).join(', ') || undefined;
  const pgOnly = (cell: (pg: PostgresResults) => Cell | string) =>
    cells((backend) => (backend === 'postgres' && results.postgres ? cell(results.postgres) : '—'));

  if (!settings.send) {
    // The receive side alone.
  } else if (columns.length === 0) {
    // Nothing but the baselines was run (PostgreSQL alone was asked for and is unreachable).
    printTable(['result'], baselineRows(results.raw, results.relay));
  } else {
    printTable(
      columns.map((c) => c.title),
      [
        ...baselineRows(results.raw, results.relay),
        ...throughputRows(results.raw, results.relay, cells, target),
        ...(results.postgres && settings.scaleOut
          ? scaleOutRows(pgOnly, (pg) => pg.scaleOut, ': → delivered', '')
          : []),
        ...(results.postgres && settings.scaleOut && settings.slowMs > 0
          ? scaleOutRows(
              pgOnly,
              (pg) => pg.slowScaleOut,
              `: → ${settings.slowMs} ms endpoint`,
              ` (${settings.slowMs} ms endpoint)`,
            )
          : []),
        ...(results.postgres?.claims ? claimRows(results.postgres.claims, pgOnly) : []),
        ...latencyRows(cells, target),
        {
          measure: 'hookd peak RSS (throughput run)',
          cells: cells((_, h) => (h?.peakRssMiB == null ? 'n/a' : `${h.peakRssMiB.toFixed(0)} MiB`)),
        },
      ],
    );
  }
  if (results.receive) {
    const receive = results.receive;
    const titles = columns.map((c) => c.title);
    const receiveColumns = columns.map((c) => receive[c.title]);
    console.log(
      `\nreceive: hookd /in/{source} → committed → forwarded to the receiver, next to a bare Fastify route answering 200`,
    );
    printTable(titles.length > 0 ? titles : ['result'], receiveRows(receive.bare?.perSecond ?? null, receiveColumns));
    notes.push(...receiveNotes(titles, receiveColumns), ...receiveCpuBudgetNotes(receive.bare, titles, receiveColumns));
  }
  printNotes(context.clock, results, columns);
  if (traceReports.length > 0)
    console.log(`\nPostgreSQL statements as hookd's processes saw them (BENCH_PG_TRACE):\n${traceReports.join('\n')}`);
  if (cpuProfileDir) console.log(`CPU profiles of hookd written to ${cpuProfileDir} (${profileNotes.join('; ')})`);
  for (const error of errors) console.error(`\nERROR ${error}`);
}

/** The raw and relay phases' request: the payload as-is, keyed for the receiver by `x-bench-seq`. */
function benchRequest(path: string, seq: string) {
  return { path, headers: { 'content-type': 'application/json', 'x-bench-seq': seq }, body: PAYLOAD_JSON };
}

function chooseHookdMode(): HookdMode {
  if (process.env.BENCH_HOOKD === 'tsx') return 'tsx';
  if (process.env.BENCH_HOOKD && process.env.BENCH_HOOKD !== 'dist') throw new Error('BENCH_HOOKD must be dist or tsx');
  progress('npm run build');
  const build = buildHookd();
  if (build.ok) return 'dist';
  progress(`build failed, running hookd from src/ with tsx instead:\n${indent(build.output.slice(-2_000))}`);
  return 'tsx';
}

type Cells = (
  cell: (backend: Backend, hookd: HookdResults | null) => Cell | string | undefined,
) => (Cell | string | undefined)[];
type PgCells = (cell: (pg: PostgresResults) => Cell | string) => (Cell | string | undefined)[];
type Target = (byBackend: Partial<Record<Backend, string>>) => string | undefined;

const rate = (r: ThroughputResult | null | undefined) => (r ? formatRate(r.deliveredPerSecond) : 'FAILED');
const ratio = (a: ThroughputResult | null | undefined, b: ThroughputResult | null | undefined) =>
  a && b ? a.deliveredPerSecond / b.deliveredPerSecond : null;
const ratioText = (value: number | null) => (value === null ? 'n/a' : formatRatio(value));
const judged = (value: number | null, meets: (value: number) => boolean): Cell =>
  value === null ? { text: 'n/a' } : { text: formatRatio(value), met: meets(value) };

/** The baselines do not depend on the backend: one value each, in the first column. */
function baselineRows(raw: ThroughputResult | null, relay: ThroughputResult | null): Row[] {
  return [
    { measure: 'baseline raw: generator → receiver', cells: [rate(raw)] },
    { measure: 'baseline relay: → relay → receiver', cells: [rate(relay)] },
    { measure: 'relay / raw', cells: [ratioText(ratio(relay, raw))] },
  ];
}

function throughputRows(
  raw: ThroughputResult | null,
  relay: ThroughputResult | null,
  cells: Cells,
  target: Target,
): Row[] {
  return [
    { measure: 'hookd, 1 process: API → delivered', cells: cells((_, h) => rate(h?.throughput)) },
    {
      measure: '  hookd API accepted (202s)',
      cells: cells((_, h) => (h?.throughput ? formatRate(h.throughput.acceptedPerSecond) : 'n/a')),
    },
    {
      measure: '  hookd CPU per message (main thread)',
      cells: cells((backend, h) => {
        const cpu = h?.throughput?.cpu;
        const text = formatCpu(cpu);
        return backend === 'sqlite' && cpu ? { text, met: cpu.mainThreadUs <= TARGET_MAIN_THREAD_US } : text;
      }),
      target: target({ sqlite: `main ≤ ${TARGET_MAIN_THREAD_US} µs` }),
    },
    {
      measure: 'hookd / raw',
      cells: cells((backend, h) => {
        const value = ratio(h?.throughput, raw);
        return backend === 'postgres' ? judged(value, (v) => v >= TARGET_PG_HOOKD_TO_RAW) : ratioText(value);
      }),
      target: target({ postgres: `≥ ${TARGET_PG_HOOKD_TO_RAW}` }),
    },
    {
      measure: 'hookd / relay',
      cells: cells((backend, h) => {
        const value = ratio(h?.throughput, relay);
        return backend === 'sqlite' ? judged(value, (v) => v >= TARGET_HOOKD_TO_RELAY) : ratioText(value);
      }),
      target: target({ sqlite: `≥ ${TARGET_HOOKD_TO_RELAY}` }),
    },
  ];
}

function scaleOutRows(
  pgOnly: PgCells,
  runs: (pg: PostgresResults) => ScaleOutResults,
  to: string,
  ratioSuffix: string,
): Row[] {
  return [
    { measure: `hookd, 1 api + 1 worker${to}`, cells: pgOnly((pg) => rate(runs(pg).oneWorker)) },
    { measure: `hookd, 1 api + 2 workers${to}`, cells: pgOnly((pg) => rate(runs(pg).twoWorkers)) },
    {
      measure: `  2 workers / 1 worker${ratioSuffix}`,
      cells: pgOnly((pg) => judged(ratio(runs(pg).twoWorkers, runs(pg).oneWorker), (v) => v > 1)),
      target: 'postgres > 1',
    },
  ];
}

function claimRows(claims: ClaimCostResult[], pgOnly: PgCells): Row[] {
  const byBacklog = (backlog: number) => claims.find((c) => c.backlog === backlog) ?? null;
  const small = byBacklog(SMALL_BACKLOG);
  const large = settings.backlog === SMALL_BACKLOG ? null : byBacklog(settings.backlog);
  const cost = (c: ClaimCostResult | null) =>
    c ? `${formatMs(mean(c.batchMs))} (claim ${formatMs(mean(c.claimMs))})` : 'FAILED';
  const rows: Row[] = [
    {
      measure: `claim ${CLAIM_BATCH} + record ${CLAIM_BATCH}, ${formatCount(SMALL_BACKLOG)} pending`,
      cells: pgOnly(() => cost(small)),
    },
  ];
  if (settings.backlog !== SMALL_BACKLOG) {
    rows.push(
      {
        measure: `claim ${CLAIM_BATCH} + record ${CLAIM_BATCH}, ${formatCount(settings.backlog)} pending`,
        cells: pgOnly(() => cost(large)),
      },
      {
        measure: `  ${formatCount(settings.backlog)} / ${formatCount(SMALL_BACKLOG)} pending`,
        cells: pgOnly(() =>
          judged(small && large ? mean(large.batchMs) / mean(small.batchMs) : null, (v) => v <= TARGET_CLAIM_GROWTH),
        ),
        target: `postgres ≤ ${TARGET_CLAIM_GROWTH}`,
      },
    );
  }
  return rows;
}

function latencyRows(cells: Cells, target: Target): Row[] {
  const at = (h: HookdResults | null, q: number) => (h?.latency ? quantile(h.latency.latenciesMs, q) : null);
  const ms = (h: HookdResults | null, q: number, target?: number): Cell => {
    const value = at(h, q);
    if (value === null) return { text: 'FAILED' };
    return { text: formatMs(value), met: target === undefined ? undefined : value <= target };
  };
  return [
    {
      measure: 'latency 202 → delivered p50',
      cells: cells((b, h) => ms(h, 0.5, b === 'sqlite' ? TARGET_P50_MS : undefined)),
      target: target({ sqlite: `≤ ${TARGET_P50_MS} ms` }),
    },
    { measure: 'latency p90', cells: cells((_, h) => ms(h, 0.9)) },
    {
      measure: 'latency p99',
      cells: cells((b, h) => ms(h, 0.99, b === 'sqlite' ? TARGET_P99_MS : TARGET_PG_P99_MS)),
      target: target({ sqlite: `≤ ${TARGET_P99_MS} ms`, postgres: `≤ ${TARGET_PG_P99_MS} ms` }),
    },
    { measure: 'latency max', cells: cells((_, h) => ms(h, 1)) },
  ];
}

/**
 * Where the machine's CPU goes per message in the relay run and in each hookd run, and how much a
 * hookd message may cost at most for hookd to reach TARGET_HOOKD_TO_RELAY of the relay's rate: at
 * that rate, the machine's CPUs minus what the generator and the receiver take per message
 * (their cost beside hookd), and on PostgreSQL the server's backends serving hookd. An upper
 * bound: it assumes every CPU busy all the time.
 */
function cpuBudgetNotes(
  relay: ThroughputResult | null,
  columns: { title: Backend; hookd: HookdResults | null }[],
): string[] {
  if (!relay?.cpu || !relay.harness) return [];
  const us = (n: number) => `${n.toFixed(0)} µs`;
  const lines = [
    `relay run, CPU per message: relay ${us(relay.cpu.processUs)}, generator ${us(relay.harness.generatorUs)}, receiver ${us(relay.harness.receiverUs)}`,
  ];
  const targetRate = TARGET_HOOKD_TO_RELAY * relay.deliveredPerSecond;
  for (const { title, hookd } of columns) {
    const run = hookd?.throughput;
    if (!run?.cpu || !run.harness) continue;
    const harnessUs = run.harness.generatorUs + run.harness.receiverUs + (run.backendUs ?? 0);
    const backend = run.backendUs === null ? '' : `, PostgreSQL backends ${us(run.backendUs)}`;
    const budgetUs = (cpus().length * 1_000_000) / targetRate - harnessUs;
    lines.push(
      `${title} run, CPU per message: hookd ${us(run.cpu.processUs)}, generator ${us(run.harness.generatorUs)}, receiver ${us(run.harness.receiverUs)}${backend}; ` +
        `at ${TARGET_HOOKD_TO_RELAY} of the relay (${formatRate(targetRate)}) ${cpus().length} CPUs leave hookd at most ${us(budgetUs)} per message`,
    );
  }
  return lines;
}

function printNotes(
  clock: Pick<Receiver, 'clockOffsetMs' | 'clockRoundTripMs'>,
  results: Results,
  columns: { title: Backend; hookd: HookdResults | null }[],
): void {
  const lines = [
    `receiver clock − generator clock: ${clock.clockOffsetMs.toFixed(3)} ms, corrected for ` +
      `(measured over IPC, ±${(clock.clockRoundTripMs / 2).toFixed(3)} ms)`,
  ];
  let duplicates = (results.raw?.duplicates ?? 0) + (results.relay?.duplicates ?? 0);
  for (const [name, r] of [
    ['raw', results.raw],
    ['relay', results.relay],
    ...columns.map((c) => [c.title, c.hookd?.throughput] as const),
  ] as const)
    if (r && r.runs.length > 1) lines.push(`${name}: delivered per run ${formatRuns(r.runs)} msg/s (median shown)`);
  lines.push(...cpuBudgetNotes(results.relay, columns));
  for (const { title, hookd } of columns) {
    duplicates += (hookd?.throughput?.duplicates ?? 0) + (hookd?.latency?.duplicates ?? 0);
    const latency = hookd?.latency;
    if (!latency) continue;
    const lag = latency.sendLagMs;
    lines.push(
      `${title}: open-loop send lag behind schedule: p99 ${formatMs(quantile(lag, 0.99))}, max ${formatMs(quantile(lag, 1))}`,
    );
    const early = latency.latenciesMs.filter((ms) => ms < 0).length;
    if (early > 0)
      lines.push(`${title}: ${early} deliveries arrived before their 202 reached the generator (negative latency)`);
    const e2e = latency.endToEndMs;
    lines.push(
      `${title}: end to end (create request sent → delivered): p50 ${formatMs(quantile(e2e, 0.5))}, p99 ${formatMs(quantile(e2e, 0.99))}`,
    );
  }
  for (const runs of results.postgres ? [results.postgres.scaleOut, results.postgres.slowScaleOut] : []) {
    duplicates += (runs.oneWorker?.duplicates ?? 0) + (runs.twoWorkers?.duplicates ?? 0);
  }
  if (results.postgres && settings.scaleOut && settings.slowMs > 0) {
    lines.push(
      `${settings.slowMs} ms endpoint: a worker has at most ${workerConcurrency} deliveries in flight (HOOKD_WORKER_CONCURRENCY), ` +
        `so delivers at most ${formatRate((workerConcurrency * 1000) / settings.slowMs)} (2 workers twice that)`,
    );
  }
  if (duplicates > 0) lines.push(`${duplicates} duplicate deliveries (same webhook-id) were not counted`);
  console.log(`\n${[...lines, ...notes].map((note) => `note: ${note}`).join('\n')}`);
}

const indent = (text: string) => text.replace(/^/gm, '  ');

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
