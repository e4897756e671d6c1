/** A line of the results table: what was measured, its value, and the target it is held to. */
export interface Row {
  measure: string;
  result: string;
  target?: string;
  /** Whether the target was met; absent when there is no target or no result. */
  met?: boolean;
}

/** The value at quantile `q` (0..1) of an ascending array, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const formatRate = (perSecond: number) => `${Math.round(perSecond).toLocaleString('en-US')} msg/s`;
export const formatMs = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
export const formatRatio = (ratio: number) => ratio.toFixed(2);

/** Prints rows as an aligned plain-text table, with a PASS/MISS column for rows that have a target. */
export function printTable(rows: readonly Row[]): void {
  const cells = rows.map((row) => [row.measure, row.result, row.target ?? '', row.met === undefined ? '' : row.met ? 'PASS' : 'MISS']);
  const header = ['measure', 'result', 'target', ''];
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i].length)));
  const print = (line: string[]) =>
    console.log(line.map((cell, i) => (i === 1 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd());
  print(header);
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  cells.forEach(print);
}
