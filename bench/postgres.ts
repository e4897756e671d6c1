/**
 * The bench's PostgreSQL: where it is (BENCH_DATABASE_URL), whether it answers, and a fresh schema
 * per measurement (`hookd_bench_<random>`), reached through a URL whose `options` set the
 * connections' `search_path` (as the tests do), and dropped afterwards, also when the bench fails
 * or is interrupted.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { onInterrupt } from './children.js';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const CONNECT_TIMEOUT_MS = 5_000;
/** DROP SCHEMA waits for locks of sessions that are still going away (e.g. a killed hookd's): not forever. */
const DROP_LOCK_TIMEOUT = '10s';

/** Connects, runs `fn`, disconnects. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'hookd-bench',
  });
  // A connection the server drops while idle emits 'error'; the query that uses it fails instead.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The server's version when it answers at `url`; the reason otherwise. */
export async function probe(url: string): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const version = await withClient(
      url,
      async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v,
    );
    return { ok: true, version };
  } catch (err) {
    const error = err as Error & { code?: string };
    return { ok: false, reason: error.message || error.code || String(err) };
  }
}

/**
 * `url` with `-c search_path=<schema>` added to its `options` parameter (URL-encoded, after any
 * options it has), and `application_name=<schema>` (node-postgres lets the URL's parameters
 * override the client's own), so that the server's processes serving hookd on this schema can be
 * told apart in `pg_stat_activity`.
 */
function urlWithSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  const options = [parsed.searchParams.get('options'), `-c search_path=${schema}`].filter((o) => o).join(' ');
  parsed.searchParams.delete('options');
  parsed.searchParams.set('application_name', schema);
  const rest = parsed.search === '' ? '?' : `${parsed.search}&`;
  parsed.search = '';
  return `${parsed.toString()}${rest}options=${encodeURIComponent(options)}`;
}

/**
 * The pids of the server processes (backends) connected with the application name a bench
 * schema's URL sets; [] for a URL without one. Their CPU (bench/cpu.ts reads it from /proc, so the
 * server must run on this machine) is what the database spends on hookd's statements.
 */
export async function backendPids(schemaUrl: string): Promise<number[]> {
  const applicationName = new URL(schemaUrl).searchParams.get('application_name');
  if (applicationName === null) return [];
  const base = new URL(schemaUrl);
  base.search = '';
  return withClient(base.toString(), async (c) => {
    const { rows } = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
      applicationName,
    ]);
    return rows.map((r) => r.pid);
  });
}

/** The URL without its password, for the report. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

export interface BenchSchema {
  name: string;
  /** `HOOKD_DATABASE_URL` for hookd (and PostgresStore.open) on this schema. */
  url: string;
  /** DROP SCHEMA ... CASCADE (once; later calls return the first call's promise). */
  drop(): Promise<void>;
}

/** Creates an empty schema `hookd_bench_<random>`; it is dropped by `drop()` or when the bench is interrupted. */
export async function createBenchSchema(baseUrl: string): Promise<BenchSchema> {
  const name = `hookd_bench_${randomBytes(6).toString('hex')}`;
  await withClient(baseUrl, (c) => c.query(`CREATE SCHEMA ${name}`));
  let dropping: Promise<void> | null = null;
  const drop = () =>
    (dropping ??= withClient(baseUrl, async (c) => {
      await c.query(`SET lock_timeout = '${DROP_LOCK_TIMEOUT}'`);
      await c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    }).finally(() => forget()));
  const forget = onInterrupt(drop);
  return { name, url: urlWithSearchPath(baseUrl, name), drop };
}

/** Runs `fn` on a fresh schema and drops the schema afterwards, whatever `fn` did. */
export async function withBenchSchema<T>(baseUrl: string, fn: (schema: BenchSchema) => Promise<T>): Promise<T> {
  const schema = await createBenchSchema(baseUrl);
  try {
    return await fn(schema);
  } finally {
    // A schema left behind is worth a line, not the run's results.
    await schema
      .drop()
      .catch((err: Error) => process.stderr.write(`bench: could not drop schema ${schema.name}: ${err.message}\n`));
  }
}
