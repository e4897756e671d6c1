/** The bench's side of pg-trace.ts: node flags for hookd, and a per-statement summary of a run's trace files. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { StatementStats, TraceFile } from './pg-trace.js';

/** The directory from BENCH_PG_TRACE (created), or null when statement tracing is off. */
export function pgTraceDir(): string | null {
  const dir = process.env.BENCH_PG_TRACE;
  if (!dir) return null;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Node flags that load the tracer into a hookd process (which reads BENCH_PG_TRACE from its
 * environment). The tracer is transpiled to JavaScript first, not loaded through tsx: a worker
 * thread (the transform pool's) inherits the flags, and tsx does not register in worker threads,
 * so `--import tsx --import pg-trace.ts` stopped hookd at start. It is written under
 * node_modules/.cache, from where its `pg` resolves to hookd's own.
 */
export function pgTraceNodeArgs(): string[] {
  const source = fileURLToPath(new URL('pg-trace.ts', import.meta.url));
  const cache = fileURLToPath(new URL('../node_modules/.cache/hookd-bench/', import.meta.url));
  mkdirSync(cache, { recursive: true });
  const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(`${cache}pg-trace.mjs`, outputText);
  return ['--import', `${cache}pg-trace.mjs`];
}

/** Statements of the processes `pids`, merged, most total time first, as lines for the report. */
export function summarizeTrace(dir: string, pids: number[], messages: number, top = 12): string[] {
  const merged = new Map<string, StatementStats>();
  for (const pid of pids) {
    const path = `${dir}/pg-trace-${pid}.json`;
    if (!existsSync(path)) continue;
    const file = JSON.parse(readFileSync(path, 'utf8')) as TraceFile;
    for (const [key, s] of Object.entries(file.statements)) {
      const m = merged.get(key) ?? { calls: 0, execMs: 0, maxExecMs: 0, pooledCalls: 0, pooledMs: 0, errors: 0 };
      m.calls += s.calls;
      m.execMs += s.execMs;
      m.maxExecMs = Math.max(m.maxExecMs, s.maxExecMs);
      m.pooledCalls += s.pooledCalls;
      m.pooledMs += s.pooledMs;
      m.errors += s.errors;
      merged.set(key, m);
    }
  }
  if (merged.size === 0) return ['(no trace files)'];
  const all = [...merged.entries()].sort((a, b) => b[1].execMs - a[1].execMs);
  const calls = all.reduce((sum, [, s]) => sum + s.calls, 0);
  const lines = [
    `${calls.toLocaleString('en-US')} statements for ${messages.toLocaleString('en-US')} messages: ${(calls / messages).toFixed(2)} round trips per message`,
    `${'per msg'.padStart(8)} ${'calls'.padStart(8)} ${'exec mean'.padStart(10)} ${'exec max'.padStart(9)} ${'pool+exec'.padStart(10)} ${'exec total'.padStart(10)}  statement`,
  ];
  for (const [key, s] of all.slice(0, top)) {
    const pooled = s.pooledCalls > 0 ? `${(s.pooledMs / s.pooledCalls).toFixed(2)} ms` : '—';
    lines.push(
      `${(s.calls / messages).toFixed(3).padStart(8)} ${String(s.calls).padStart(8)} ${`${(s.execMs / s.calls).toFixed(2)} ms`.padStart(10)} ` +
        `${`${s.maxExecMs.toFixed(0)} ms`.padStart(9)} ${pooled.padStart(10)} ${`${(s.execMs / 1000).toFixed(1)} s`.padStart(10)}  ` +
        `${key.slice(0, 90)}${key.length > 90 ? '…' : ''}${s.errors ? ` (${s.errors} errors)` : ''}`,
    );
  }
  return lines;
}
