import pg from 'pg';
import { ValidationError } from '../../core/errors.js';

const INT8_OID = 20;
/** How long opening a connection may take before the query that needed it fails. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Identifiers we splice into SQL and into the connection's startup options. */
const SAFE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export interface PgConnectionOptions {
  /** Every connection's `search_path`: all tables live in this schema. Default: the server's. */
  schema?: string;
  /** Shown in `pg_stat_activity`; the LISTEN connection adds `:listen`. Default `hookd`. */
  applicationName?: string;
}

/**
 * INT8 as a JS number, for this store's connections only (not `pg.types.setTypeParser`, which is
 * global to the process). Every int8 here is epoch milliseconds or a count: far below 2^53.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** The connection settings shared by the pool and the LISTEN client. */
export function connectionConfig(url: string, options: PgConnectionOptions): pg.ClientConfig {
  const { schema } = options;
  if (schema !== undefined && !SAFE_IDENTIFIER.test(schema)) {
    throw new Error(`PostgreSQL schema name ${JSON.stringify(schema)}: use letters, digits and _ (at most 63)`);
  }
  // node-postgres lets the URL's parameters override the config's: the URL's `options` would
  // silently replace the search_path set below.
  if (schema !== undefined && urlHasOptions(url)) {
    throw new Error(
      'PostgreSQL: give the schema either in the URL (options=-c search_path=...) or as an option, not both',
    );
  }
  return {
    connectionString: url,
    application_name: options.applicationName ?? 'hookd',
    // Set in the startup packet: no extra round trip per new connection, and no window in which
    // a fresh connection could run a query against another schema.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    types,
    // An unreachable server (a dropped route, a firewall) fails the request with a 503 after this,
    // instead of holding it until the client gives up: node-postgres waits forever by default.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  };
}

function urlHasOptions(url: string): boolean {
  try {
    return new URL(url).searchParams.has('options');
  } catch {
    return false; // not a URL that `URL` parses (e.g. a bare socket path): it has no query to worry about
  }
}

/** A pool or one checked-out client: anything that runs a query. */
type PgQueryable = Pick<pg.Pool, 'query'>;

/**
 * A statement that each connection parses and plans once, then runs by name: the hot path's
 * statements are large CTEs that PostgreSQL would otherwise parse, analyse and plan again on every
 * call. Names are unique per statement text (a connection refuses one name for two texts).
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

export function named(name: string, text: string): NamedStatement {
  return { name: `hookd_${name}`, text };
}

/** SQL text, or a statement prepared once per connection. */
export type Statement = string | NamedStatement;

/** Thin helpers over a pool or a transaction's client. Parameters are `$1, $2, ...`. */
export class PgQueries {
  constructor(protected readonly target: PgQueryable) {}

  async all<R>(sql: Statement, params: unknown[] = []): Promise<R[]> {
    return (await this.query(sql, params)).rows as R[];
  }

  async get<R>(sql: Statement, params: unknown[] = []): Promise<R | undefined> {
    return (await this.query(sql, params)).rows[0] as R | undefined;
  }

  /** Runs a statement; returns how many rows it changed. */
  async run(sql: Statement, params: unknown[] = []): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }

  /** Runs a statement; its rows and row count as node-postgres reports them. */
  async query(sql: Statement, params: unknown[]): Promise<pg.QueryResult> {
    try {
      return await (typeof sql === 'string'
        ? this.target.query(sql, params)
        : this.target.query({ name: sql.name, text: sql.text, values: params }));
    } catch (error) {
      // character_not_in_repertoire: U+0000 in a text value. SQLite stores it; PostgreSQL text
      // cannot. It comes from the request (e.g. "\u0000" in a JSON name), so it is the caller's
      // input error (422), not a server failure (500).
      if (sqlState(error) === '22021') throw new ValidationError('text must not contain the NUL character (\\u0000)');
      throw error;
    }
  }
}

/** The pool, with transactions. A single statement is already atomic: most methods need no BEGIN. */
export class PgDb extends PgQueries {
  constructor(readonly pool: pg.Pool) {
    super(pool);
  }

  /**
   * Runs `fn` between BEGIN and COMMIT on one connection; ROLLBACK when it throws. `begin`: the
   * statements that open the transaction, sent in one round trip (parameterless SQL only).
   * `after`: runs `fn` and the COMMIT, once the transaction is open (e.g. when this process's turn
   * comes: a claim waits for its claim-gate turn holding the advisory lock that `begin` took).
   */
  async transaction<T>(
    fn: (tx: PgQueries) => Promise<T>,
    begin = 'BEGIN',
    after: (work: () => Promise<T>) => Promise<T> = (work) => work(),
  ): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await after(async () => {
        const result = await fn(new PgQueries(client));
        await client.query('COMMIT');
        return result;
      });
      return result;
    } catch (error) {
      // A failed ROLLBACK means the connection is unusable: release(error) destroys it.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** unique_violation: a UNIQUE or PRIMARY KEY constraint. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/** foreign_key_violation: the referenced row does not exist (or was just deleted). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error) === '23503';
}

/**
 * An error that one input of a batch can cause alone: integrity constraints (class 23) and bad
 * data (class 22, e.g. a NUL character in text). Anything else would hit every input the same way.
 */
export function isInputError(error: unknown): boolean {
  if (error instanceof ValidationError) return true;
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('23') || state.startsWith('22'));
}

/** deadlock_detected or serialization_failure: the statement may simply be run again. */
export function isTransient(error: unknown): boolean {
  const state = sqlState(error);
  return state === '40P01' || state === '40001';
}
