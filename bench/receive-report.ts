/** The receive benches' table: one row per measure, one column per backend, the bare route's baseline in the first. */
import { cpus } from 'node:os';
import type { DestinationTrouble, ReceiveResults } from './receive.js';
import { type Cell, formatCpu, formatMs, formatRate, formatRatio, formatRuns, quantile, type Row } from './report.js';
import type { AnsweredResult, ThroughputResult } from './throughput.js';

export const TARGET_INGEST_TO_BARE = 0.6;
export const TARGET_ACK_P99_MS = 10;

const reqRate = (perSecond: number) => formatRate(perSecond).replace('msg/s', 'req/s');

/** `columns`: each backend's results (null: the run failed or did not happen). */
export function receiveRows(barePerSecond: number | null, columns: (ReceiveResults | null)[]): Row[] {
  const cells = (cell: (r: ReceiveResults | null) => Cell | string) => columns.map(cell);
  const ingestRows = (signing: 'none' | 'stripe', title: string): Row[] => {
    const of = (r: ReceiveResults | null): ThroughputResult | null => r?.[signing] ?? null;
    return [
      {
        measure: `hookd /in, ${title}: answered 200`,
        cells: cells((r) => (of(r) ? reqRate(of(r)!.acceptedPerSecond) : 'FAILED')),
      },
      {
        measure: '  hookd CPU per request (main thread)',
        cells: cells((r) => formatCpu(of(r)?.cpu)),
      },
      {
        measure: '  forwarded to the destination',
        cells: cells((r) => (of(r) ? formatRate(of(r)!.deliveredPerSecond) : 'n/a')),
      },
      {
        measure: `  hookd /in (${title}) / bare`,
        cells: cells((r): Cell => {
          const result = of(r);
          if (!result || barePerSecond === null) return { text: 'n/a' };
          const value = result.acceptedPerSecond / barePerSecond;
          return { text: formatRatio(value), met: value >= TARGET_INGEST_TO_BARE };
        }),
        target: `≥ ${TARGET_INGEST_TO_BARE}`,
      },
    ];
  };
  const ms = (values: (r: ReceiveResults) => number[], q: number, target?: number) =>
    cells((r): Cell => {
      if (!r?.latency) return { text: 'FAILED' };
      const value = quantile(values(r), q);
      return { text: formatMs(value), met: target === undefined ? undefined : value <= target };
    });
  const ack = (r: ReceiveResults) => r.latency!.ackMs;
  const forward = (r: ReceiveResults) => r.latency!.forwardMs;
  return [
    {
      measure: 'baseline bare Fastify route: answered 200',
      cells: [barePerSecond === null ? 'FAILED' : reqRate(barePerSecond)],
    },
    ...ingestRows('none', 'no verification'),
    ...ingestRows('stripe', 'Stripe-verified'),
    ...troubledRows(barePerSecond, columns, 'slow', 'destination slow'),
    ...troubledRows(barePerSecond, columns, 'down', 'destination down'),
    { measure: 'ack latency (from schedule) p50', cells: ms(ack, 0.5) },
    { measure: 'ack latency p99', cells: ms(ack, 0.99, TARGET_ACK_P99_MS), target: `≤ ${TARGET_ACK_P99_MS} ms` },
    { measure: 'ack latency max', cells: ms(ack, 1) },
    { measure: 'forward latency (ack → destination) p50', cells: ms(forward, 0.5) },
    { measure: 'forward latency p99', cells: ms(forward, 0.99) },
    {
      measure: 'hookd peak RSS (receive runs)',
      cells: cells((r) => (r?.peakRssMiB == null ? 'n/a' : `${r.peakRssMiB.toFixed(0)} MiB`)),
    },
  ];
}

/** The ingest behind a destination in trouble (`measureTroubledDestinationIngest`); none when not run. */
function troubledRows(
  barePerSecond: number | null,
  columns: (ReceiveResults | null)[],
  trouble: DestinationTrouble,
  title: string,
): Row[] {
  if (!columns.some((r) => r?.troubled?.[trouble] !== undefined)) return [];
  const of = (r: ReceiveResults | null) => r?.troubled?.[trouble] ?? null;
  return [
    {
      measure: `hookd /in, Stripe, ${title}: answered 200`,
      cells: columns.map((r) => (of(r) ? reqRate(of(r)!.perSecond) : 'FAILED')),
    },
    { measure: '  hookd CPU per request (main thread)', cells: columns.map((r) => formatCpu(of(r)?.cpu)) },
    {
      measure: `  hookd /in (${title}) / bare`,
      cells: columns.map((r): Cell => {
        const result = of(r);
        if (!result || barePerSecond === null) return { text: 'n/a' };
        const value = result.perSecond / barePerSecond;
        return { text: formatRatio(value), met: value >= TARGET_INGEST_TO_BARE };
      }),
      target: `≥ ${TARGET_INGEST_TO_BARE}`,
    },
  ];
}

/** Notes under the table: the generator's lag behind its schedule, early forwards, duplicates. */
export function receiveNotes(titles: string[], columns: (ReceiveResults | null)[]): string[] {
  const lines: string[] = [];
  columns.forEach((r, i) => {
    const latency = r?.latency;
    if (!latency) return;
    const lag = latency.sendLagMs;
    lines.push(
      `${titles[i]} receive: open-loop send lag behind schedule: p99 ${formatMs(quantile(lag, 0.99))}, max ${formatMs(quantile(lag, 1))}`,
    );
    const early = latency.forwardMs.filter((ms) => ms < 0).length;
    if (early > 0)
      lines.push(`${titles[i]} receive: ${early} forwards arrived before their answer reached the generator`);
    for (const [signing, result] of [
      ['none', r.none],
      ['stripe', r.stripe],
    ] as const)
      if (result && result.runs.length > 1)
        lines.push(
          `${titles[i]} receive ${signing}: forwarded per run ${formatRuns(result.runs)} req/s (median shown)`,
        );
    const duplicates = (r.none?.duplicates ?? 0) + (r.stripe?.duplicates ?? 0) + latency.duplicates;
    if (duplicates > 0)
      lines.push(`${titles[i]} receive: ${duplicates} duplicate forwards (same x-bench-seq) not counted`);
  });
  return lines;
}

/**
 * Where the machine's CPU goes per request in the bare run and in each `/in` run, and how much a
 * request may cost hookd at most (its forward and the forward's attempt included, as they run
 * in the same minutes) for hookd to answer TARGET_INGEST_TO_BARE of the bare route's rate: at that
 * rate, the machine's CPUs minus what the generator and the receiver take per request. An upper
 * bound: it assumes every CPU busy all the time.
 */
export function receiveCpuBudgetNotes(
  bare: AnsweredResult | null,
  titles: string[],
  columns: (ReceiveResults | null)[],
): string[] {
  if (!bare?.cpu || bare.generatorUs === null) return [];
  const us = (n: number) => `${n.toFixed(0)} µs`;
  const lines = [`bare run, CPU per request: bare route ${us(bare.cpu.processUs)}, generator ${us(bare.generatorUs)}`];
  const targetRate = TARGET_INGEST_TO_BARE * bare.perSecond;
  columns.forEach((r, i) => {
    for (const [signing, result] of [
      ['none', r?.none],
      ['stripe', r?.stripe],
    ] as const) {
      if (!result?.cpu || !result.harness) continue;
      const harnessUs = result.harness.generatorUs + result.harness.receiverUs;
      const budgetUs = (cpus().length * 1_000_000) / targetRate - harnessUs;
      lines.push(
        `${titles[i]} receive ${signing}, CPU per request: hookd ${us(result.cpu.processUs)}, generator ${us(result.harness.generatorUs)}, receiver ${us(result.harness.receiverUs)}; ` +
          `at ${TARGET_INGEST_TO_BARE} of bare (${reqRate(targetRate)}) ${cpus().length} CPUs leave hookd at most ${us(budgetUs)} per request, its forward included`,
      );
    }
  });
  return lines;
}
