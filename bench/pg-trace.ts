/**
 * A statement profiler for hookd on PostgreSQL, loaded into each hookd process with
 * `--import tsx --import ./bench/pg-trace.ts` when BENCH_PG_TRACE=<dir> is set (pg_stat_statements
 * needs a server restart to load; this needs nothing). It wraps node-postgres in the process:
 *
 * - `Pool.query`: from the call to the result, pool wait included (what hookd's code waits);
 * - `Client.query`: from the call to the result on a connection (round trip + execution).
 *
 * per statement (its text, whitespace collapsed), and writes `<dir>/pg-trace-<pid>.json` when the
 * process exits. bench/run.ts reads the files of each run and prints a summary under the table.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import pg from 'pg';

export interface StatementStats {
  calls: number;
  /** On the connection: round trip + execution. */
  execMs: number;
  maxExecMs: number;
  /** Through the pool, waiting for a free connection included (0 for statements run on a checked-out client). */
  pooledCalls: number;
  pooledMs: number;
  errors: number;
}

export interface TraceFile {
  pid: number;
  statements: Record<string, StatementStats>;
}

const dir = process.env.BENCH_PG_TRACE;
const statements = new Map<string, StatementStats>();

/** Statement texts are constants: each is normalized once. */
const keys = new Map<string, string>();
const keyOf = (query: unknown): string => {
  const text = String(typeof query === 'string' ? query : ((query as { text?: unknown } | null)?.text ?? '?'));
  let key = keys.get(text);
  if (key === undefined) {
    key = text.replace(/\s+/g, ' ').trim();
    keys.set(text, key);
  }
  return key;
};

function stats(key: string): StatementStats {
  let s = statements.get(key);
  if (!s) {
    s = { calls: 0, execMs: 0, maxExecMs: 0, pooledCalls: 0, pooledMs: 0, errors: 0 };
    statements.set(key, s);
  }
  return s;
}

type Callback = (err: unknown, res?: unknown) => void;

/** Calls `original` with `args`, timing it to its callback or promise, and hands the time to `done`. */
function timed(
  original: (...args: unknown[]) => unknown,
  self: unknown,
  args: unknown[],
  done: (ms: number, failed: boolean) => void,
): unknown {
  const started = performance.now();
  const last = args.length - 1;
  if (typeof args[last] === 'function') {
    const callback = args[last] as Callback;
    args[last] = (err: unknown, res?: unknown) => {
      done(performance.now() - started, !!err);
      callback(err, res);
    };
    return original.apply(self, args);
  }
  const result = original.apply(self, args);
  if (result && typeof (result as Promise<unknown>).then === 'function') {
    (result as Promise<unknown>).then(
      () => done(performance.now() - started, false),
      () => done(performance.now() - started, true),
    );
  }
  return result;
}

// The main thread only: a worker thread inherits the flags that load this file.
if (dir && isMainThread) {
  const clientQuery = pg.Client.prototype.query as unknown as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...args: unknown[]) {
    // A Submittable (e.g. a cursor) or the LISTEN connection's own queries are counted the same way.
    const key = keyOf(args[0]);
    return timed(clientQuery, this, args, (ms, failed) => {
      const s = stats(key);
      s.calls++;
      s.execMs += ms;
      s.maxExecMs = Math.max(s.maxExecMs, ms);
      if (failed) s.errors++;
    });
  };
  const poolQuery = pg.Pool.prototype.query as unknown as (...args: unknown[]) => unknown;
  (pg.Pool.prototype as unknown as { query: unknown }).query = function (this: unknown, ...args: unknown[]) {
    const key = keyOf(args[0]);
    return timed(poolQuery, this, args, (ms) => {
      const s = stats(key);
      s.pooledCalls++;
      s.pooledMs += ms;
    });
  };
  process.on('exit', () => {
    const file: TraceFile = { pid: process.pid, statements: Object.fromEntries(statements) };
    try {
      writeFileSync(join(dir, `pg-trace-${process.pid}.json`), JSON.stringify(file));
    } catch (err) {
      console.error(`pg-trace: ${(err as Error).message}`);
    }
  });
}
