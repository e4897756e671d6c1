/** A value of the results table, and whether it met the row's target for its column. */
export interface Cell {
  text: string;
  /** Absent when that column's value has no target (or no result). */
  met?: boolean;
}

/** A line of the results table: what was measured, one cell per result column, and the target(s). */
export interface Row {
  measure: string;
  /** One per column; a missing cell prints empty. */
  cells: (Cell | string | undefined)[];
  target?: string;
}

/** The value at quantile `q` (0..1) of an ascending array, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

export const formatRate = (perSecond: number) => `${Math.round(perSecond).toLocaleString('en-US')} msg/s`;
export const formatMs = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
export const formatRatio = (ratio: number) => ratio.toFixed(2);
export const formatCount = (n: number) => n.toLocaleString('en-US');
/** CPU per message: every thread of hookd's processes, then the main (event-loop) threads alone. */
export const formatCpu = (cpu: { processUs: number; mainThreadUs: number } | null | undefined) =>
  cpu ? `${Math.round(cpu.processUs)} µs (main ${Math.round(cpu.mainThreadUs)})` : 'n/a';
/** Each measured run of a figure, for the notes: the median is in the table. */
export const formatRuns = (runs: readonly number[]) =>
  runs.map((r) => Math.round(r).toLocaleString('en-US')).join(' / ');

/**
 * Prints rows as an aligned plain-text table: the measure, then each result column (right-aligned)
 * followed by its PASS/MISS, then the target.
 */
export function printTable(columns: readonly string[], rows: readonly Row[]): void {
  const header = ['measure', ...columns.flatMap((title) => [title, '']), 'target'];
  const lines = rows.map((row) => [
    row.measure,
    ...columns.flatMap((_, i) => {
      const cell = row.cells[i];
      const { text, met } =
        typeof cell === 'string' ? { text: cell, met: undefined } : (cell ?? { text: '', met: undefined });
      return [text, met === undefined ? '' : met ? 'PASS' : 'MISS'];
    }),
    row.target ?? '',
  ]);
  const isValue = (i: number) => i > 0 && i < header.length - 1 && i % 2 === 1;
  const isVerdict = (i: number) => i > 0 && i < header.length - 1 && i % 2 === 0;
  // A PASS/MISS column with nothing in it is left out.
  const shown = header.map((_, i) => !isVerdict(i) || lines.some((line) => line[i] !== ''));
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
  const print = (line: string[]) =>
    console.log(
      line
        .map((cell, i) => (isValue(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .filter((_, i) => shown[i])
        .join('  ')
        .trimEnd(),
    );
  print(header);
  print(widths.map((width) => '-'.repeat(width)));
  lines.forEach(print);
}
