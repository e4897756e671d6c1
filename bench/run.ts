/**
 * `npm run bench`: hookd's throughput, latency and memory on this machine, next to baselines
 * measured in the same run against the same receiver:
 *
 * - raw: the load generator POSTs straight to the receiver (the limit of one loopback hop);
 * - relay: a stateless relay answers 202 and forwards each body (two hops, nothing kept);
 * - hookd: messages created through the API, persisted, signed and delivered to the receiver.
 *
 * Every process (generator here; receiver, relay and hookd as children) talks over 127.0.0.1 only.
 * The exit code is 0 when targets are missed (this is a measurement) and 1 when something broke,
 * e.g. messages that never arrived.
 *
 * Settings (environment):
 *   BENCH_MESSAGES=20000      messages per throughput run
 *   BENCH_WARMUP=3000         unmeasured requests before each throughput run (JIT, connection pools)
 *   BENCH_CONCURRENCY=64      requests in flight during throughput runs
 *   BENCH_RATE=500            messages per second during the latency run
 *   BENCH_SECONDS=20          length of the latency run
 *   BENCH_STALL_SECONDS=30    a run fails after this long without a new arrival
 *   BENCH_HOOKD=dist|tsx      dist: `npm run build`, then run dist/ (default); tsx: run src/ as it is
 *   BENCH_CPU_PROF=<dir>      run hookd with --cpu-prof; the profile is written to <dir> when it stops
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createAppWithEndpoint, messageRequest } from './hookd-api.js';
import { buildHookd, HookdProcess, type HookdMode } from './hookd-process.js';
import { measureLatency, type LatencyResult } from './latency.js';
import { openPool } from './load.js';
import { forkBenchChild, stopChild } from './children.js';
import { Receiver } from './receiver-client.js';
import { formatMs, formatRate, formatRatio, printTable, quantile, type Row } from './report.js';
import { measureThroughput, type ThroughputResult } from './throughput.js';

const TARGET_HOOKD_TO_RELAY = 0.5;
const TARGET_P50_MS = 5;
const TARGET_P99_MS = 25;
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
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

const settings = {
  messages: intSetting('BENCH_MESSAGES', 20_000, 1),
  warmup: intSetting('BENCH_WARMUP', 3_000, 0),
  concurrency: intSetting('BENCH_CONCURRENCY', 64, 1),
  ratePerSecond: intSetting('BENCH_RATE', 500, 1),
  durationSeconds: intSetting('BENCH_SECONDS', 20, 1),
  stallMs: intSetting('BENCH_STALL_SECONDS', 30, 1) * 1000,
};
const cpuProfileDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null;

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** A run's outcome: null where it failed; the failures are in `errors`. */
interface Results {
  raw: ThroughputResult | null;
  relay: ThroughputResult | null;
  hookd: ThroughputResult | null;
  latency: LatencyResult | null;
  peakRssMiB: number | null;
  errors: string[];
}

async function main(): Promise<number> {
  const loadAtStart = loadavg()[0];
  const mode = chooseHookdMode();
  const errors: string[] = [];
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
      progress(`${what} FAILED`);
      return null;
    }
  };

  const receiver = await Receiver.start();
  const raw = await attempt('raw', () => measureRaw(receiver));
  const relay = await attempt('relay', () => measureRelay(receiver));
  const results: Results = { raw, relay, hookd: null, latency: null, peakRssMiB: null, errors };

  progress(`hookd: starting (${mode})`);
  const hookd = await attempt('hookd start', () =>
    HookdProcess.start({ mode, nodeArgs: cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [] }),
  );
  if (hookd) {
    const errorsBefore = errors.length;
    results.hookd = await attempt('hookd throughput', () => measureHookdThroughput(receiver, hookd));
    results.peakRssMiB = hookd.peakRssMiB();
    results.latency = await attempt('hookd latency', () => measureHookdLatency(receiver, hookd));
    if (errors.length > errorsBefore) errors.push(`hookd output (tail):\n${indent(hookd.outputTail())}`);
    await hookd.stop();
  }
  await receiver.stop();

  printReport(results, { mode, loadAtStart, clock: receiver });
  return errors.length > 0 ? 1 : 0;
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
    return await measureThroughput(receiver, { pool, expectStatus: 202, receiverPath: '/relay', request }, settings);
  } finally {
    await pool.close();
    await stopChild(relay.child);
  }
}

async function measureHookdThroughput(receiver: Receiver, hookd: HookdProcess): Promise<ThroughputResult> {
  progress(`hookd: ${settings.messages} messages at ${settings.concurrency} concurrent`);
  const appId = await createAppWithEndpoint(hookd, 'bench-throughput', `${receiver.origin}/hookd`);
  const pool = openPool(hookd.url, settings.concurrency);
  try {
    const request = messageRequest(hookd, appId, PAYLOAD_JSON);
    return await measureThroughput(receiver, { pool, expectStatus: 202, receiverPath: '/hookd', request }, settings);
  } finally {
    await pool.close();
  }
}

/** On an application of its own, so that late deliveries of the throughput run cannot count here. */
async function measureHookdLatency(receiver: Receiver, hookd: HookdProcess): Promise<LatencyResult> {
  progress(`hookd: ${settings.ratePerSecond} messages/s for ${settings.durationSeconds} s`);
  const appId = await createAppWithEndpoint(hookd, 'bench-latency', `${receiver.origin}/hookd-latency`);
  const pool = openPool(hookd.url, FIXED_RATE_CONNECTIONS);
  try {
    const request = messageRequest(hookd, appId, PAYLOAD_JSON);
    const latencySettings = { ...settings, warmupSeconds: LATENCY_WARMUP_SECONDS };
    return await measureLatency(receiver, { pool, request, receiverPath: '/hookd-latency' }, latencySettings);
  } finally {
    await pool.close();
  }
}

function printReport(results: Results, context: { mode: HookdMode; loadAtStart: number; clock: Receiver }): void {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  const from = context.mode === 'dist' ? 'dist/' : 'src/ (tsx)';
  console.log(`\nhookd bench: node ${process.version}, ${cpus().length} CPUs (${cpu}), ${process.platform}/${process.arch}; hookd from ${from}`);
  // Other work on the machine skews every number; the load average says whether there was some.
  const busy = context.loadAtStart >= BUSY_LOAD_AVERAGE ? ' (busy: other processes skew these numbers)' : '';
  console.log(`load average (1 min) at start: ${context.loadAtStart.toFixed(2)}${busy}`);
  console.log(
    `throughput: ${settings.messages} messages at ${settings.concurrency} concurrent after ${settings.warmup} warm-up; ` +
      `latency: ${settings.ratePerSecond} messages/s for ${settings.durationSeconds} s, open loop\n`,
  );
  printTable([
    ...throughputRows(results.raw, results.relay, results.hookd),
    ...latencyRows(results.latency),
    { measure: 'hookd peak RSS (throughput run)', result: results.peakRssMiB === null ? 'n/a' : `${results.peakRssMiB.toFixed(0)} MiB` },
  ]);
  printNotes(context.clock, results.latency, [results.raw, results.relay, results.hookd]);
  if (cpuProfileDir) console.log(`CPU profile of hookd written to ${cpuProfileDir}`);
  for (const error of results.errors) console.error(`\nERROR ${error}`);
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

function throughputRows(raw: ThroughputResult | null, relay: ThroughputResult | null, hookd: ThroughputResult | null): Row[] {
  const rate = (r: ThroughputResult | null) => (r ? formatRate(r.deliveredPerSecond) : 'FAILED');
  const ratio = (a: ThroughputResult | null, b: ThroughputResult | null) =>
    a && b ? a.deliveredPerSecond / b.deliveredPerSecond : null;
  const hookdToRelay = ratio(hookd, relay);
  return [
    { measure: 'raw: generator → receiver', result: rate(raw) },
    { measure: 'relay: → relay → receiver', result: rate(relay) },
    { measure: 'hookd: API → delivered', result: rate(hookd) },
    { measure: '  hookd API accepted (202s)', result: hookd ? formatRate(hookd.acceptedPerSecond) : 'n/a' },
    { measure: 'hookd / raw', result: ratioText(ratio(hookd, raw)) },
    {
      measure: 'hookd / relay',
      result: ratioText(hookdToRelay),
      target: `≥ ${TARGET_HOOKD_TO_RELAY}`,
      met: hookdToRelay === null ? undefined : hookdToRelay >= TARGET_HOOKD_TO_RELAY,
    },
    { measure: 'relay / raw', result: ratioText(ratio(relay, raw)) },
  ];
}

function latencyRows(latency: LatencyResult | null): Row[] {
  const at = (q: number) => (latency ? quantile(latency.latenciesMs, q) : NaN);
  const ms = (q: number) => (latency ? formatMs(at(q)) : 'FAILED');
  return [
    { measure: 'latency 202 → delivered p50', result: ms(0.5), target: `≤ ${TARGET_P50_MS} ms`, met: latency ? at(0.5) <= TARGET_P50_MS : undefined },
    { measure: 'latency p90', result: ms(0.9) },
    { measure: 'latency p99', result: ms(0.99), target: `≤ ${TARGET_P99_MS} ms`, met: latency ? at(0.99) <= TARGET_P99_MS : undefined },
    { measure: 'latency max', result: ms(1) },
  ];
}

function printNotes(
  clock: Pick<Receiver, 'clockOffsetMs' | 'clockRoundTripMs'>,
  latency: LatencyResult | null,
  throughputs: (ThroughputResult | null)[],
): void {
  const notes = [
    `receiver clock − generator clock: ${clock.clockOffsetMs.toFixed(3)} ms, corrected for ` +
      `(measured over IPC, ±${(clock.clockRoundTripMs / 2).toFixed(3)} ms)`,
  ];
  if (latency) {
    const lag = latency.sendLagMs;
    notes.push(`open-loop send lag behind schedule: p99 ${formatMs(quantile(lag, 0.99))}, max ${formatMs(quantile(lag, 1))}`);
    const early = latency.latenciesMs.filter((ms) => ms < 0).length;
    if (early > 0) notes.push(`${early} deliveries arrived before their 202 reached the generator (negative latency)`);
    const e2e = latency.endToEndMs;
    notes.push(`end to end (create request sent → delivered): p50 ${formatMs(quantile(e2e, 0.5))}, p99 ${formatMs(quantile(e2e, 0.99))}`);
  }
  const duplicates = throughputs.reduce((sum, r) => sum + (r?.duplicates ?? 0), 0) + (latency?.duplicates ?? 0);
  if (duplicates > 0) notes.push(`${duplicates} duplicate deliveries (same webhook-id) were not counted`);
  console.log(`\n${notes.map((note) => `note: ${note}`).join('\n')}`);
}

const ratioText = (ratio: number | null) => (ratio === null ? 'n/a' : formatRatio(ratio));
const indent = (text: string) => text.replace(/^/gm, '  ');

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
