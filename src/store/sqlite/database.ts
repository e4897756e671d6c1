import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { WriteHold } from './write-hold.js';

/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

type Params = unknown[];

interface DeferredWrite {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * One better-sqlite3 connection with a cache of prepared statements keyed by their SQL text.
 * Statements are prepared on first use, so the cache also holds the few variants that paged
 * queries build from their filters.
 */
export class SqliteDb {
  private readonly statements = new Map<string, Database.Statement<Params>>();
  private deferred: DeferredWrite[] = [];
  private deferredFlushScheduled = false;
  /** Held by the checkpoint thread while it catches up (checkpoint-thread.ts); the group commits wait for it. */
  readonly hold = new WriteHold();

  constructor(readonly raw: Database.Database) {}

  /**
   * Opens `path` (a file, created with its directory, or `:memory:`) in WAL mode.
   * `synchronous=NORMAL` in WAL mode: a committed transaction survives a process crash (`kill -9`);
   * only a power loss can take back the last commits, which is the trade every WAL user makes.
   */
  static open(path: string): SqliteDb {
    if (isFileDatabase(path)) mkdirSync(dirname(path), { recursive: true });
    const raw = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return new SqliteDb(raw);
  }

  /** The prepared statement for `sql`, prepared once per connection. */
  stmt(sql: string): Database.Statement<Params> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.raw.prepare<Params>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  get<R>(sql: string, ...params: Params): R | undefined {
    return this.stmt(sql).get(...params) as R | undefined;
  }

  all<R>(sql: string, ...params: Params): R[] {
    return this.stmt(sql).all(...params) as R[];
  }

  run(sql: string, ...params: Params): Database.RunResult {
    return this.stmt(sql).run(...params);
  }

  /**
   * Wraps `fn` in a write transaction that starts with BEGIN IMMEDIATE: it takes the write lock up
   * front, so two processes never both read under a shared lock and then deadlock upgrading it
   * (SQLITE_BUSY that busy_timeout cannot resolve). Called inside another transaction, it becomes
   * a SAVEPOINT that rolls back alone when `fn` throws.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const tx = this.raw.transaction(fn);
    return (...args: A) => (this.raw.inTransaction ? tx(...args) : tx.immediate(...args)) as R;
  }

  /**
   * Group commit for small writes: every write deferred during one event-loop turn runs in ONE
   * transaction on the next `setImmediate`, and each promise settles after that commit. The
   * idempotency calls that wrap every API POST go through here: two commits per request were
   * half of the cost of `POST /msg`. A write that throws rejects alone, so it must not leave
   * partial changes behind (one statement, or reads then one statement).
   */
  defer<R>(write: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.deferred.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.deferredFlushScheduled) return;
      this.deferredFlushScheduled = true;
      setImmediate(() => this.hold.whenOpen(() => this.flushDeferred()));
    });
  }

  /** Writes every deferred write now, in one transaction. */
  flushDeferred(): void {
    this.deferredFlushScheduled = false;
    const batch = this.deferred;
    this.deferred = [];
    if (batch.length === 0) return;
    let results: ({ ok: unknown } | { error: unknown })[];
    try {
      results = this.transaction(() =>
        batch.map(({ write }) => {
          try {
            return { ok: write() };
          } catch (error) {
            return { error };
          }
        }),
      )();
    } catch (error) {
      for (const item of batch) item.reject(error); // the commit itself failed: nothing was written
      return;
    }
    for (const [i, r] of results.entries()) {
      if ('ok' in r) batch[i].resolve(r.ok);
      else batch[i].reject(r.error);
    }
  }

  close(): void {
    this.flushDeferred();
    this.statements.clear();
    if (!this.raw.open) return;
    // Lets SQLite refresh its planner statistics where they are stale (cheap; advised before close).
    this.raw.pragma('optimize');
    this.raw.close();
  }
}

/** True for a database in a file of its own (not `:memory:`, a `file:` URI or `''`, a temporary one). */
export function isFileDatabase(path: string): boolean {
  return path !== '' && path !== ':memory:' && !path.startsWith('file:');
}

/** True for a UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True for any constraint violation (UNIQUE, FOREIGN KEY, NOT NULL, CHECK...). */
export function isConstraintError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}

/** True for a FOREIGN KEY violation (the referenced row does not exist). */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
