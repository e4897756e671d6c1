/**
 * `node --import tsx bench/sqlite-cost.ts`: the SQLite store's CPU per message on the send path,
 * alone: no HTTP, no engine, one process. Each round creates 64 messages (one group commit, as 64
 * API calls in one event-loop turn are), claims their deliveries and records a success for each
 * (an attempt row with the ~350 B of headers a real one has). CPU time is this process's
 * (`process.cpuUsage`), which holds under load where wall-clock figures do not.
 *
 * It prices store-side changes (row sizes, indexes, pragmas) without the ±10% of the full bench:
 * `SQLITE_COST_VARIANTS` names the variants to run in turn (alternating, `SQLITE_COST_ROUNDS`
 * each, median printed): `base`; `no-request-headers` (empty attempt headers); `no-list-indexes`
 * (without the attempts' and deliveries' list indexes). Issue 13's figures: ~50 µs per message,
 * each variant within ~2 µs of it.
 *
 * Settings: SQLITE_COST_MESSAGES (20000) per measured run, after 50 unmeasured rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { claimMessages, endpointInput, outcomeFor } from '../src/store/suite/fixtures.suite.js';
import { ATTEMPT_REQUEST_HEADERS as REQUEST_HEADERS, COST_PAYLOAD as PAYLOAD } from './store-cost-fixtures.js';

const MESSAGES = Number(process.env.SQLITE_COST_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.SQLITE_COST_ROUNDS ?? 3);
const BATCH = 64;
const WARMUP_BATCHES = 50;

/** Each variant's change to the migrated schema, made before the store opens it. */
const VARIANTS: Record<string, string> = {
  base: '',
  'no-request-headers': '',
  'no-list-indexes':
    'DROP INDEX attempts_msg; DROP INDEX attempts_endpoint; DROP INDEX deliveries_msg; DROP INDEX deliveries_endpoint',
};

async function openStore(path: string, variant: string): Promise<SqliteStore> {
  const migrating = SqliteStore.open(path);
  await migrating.migrate();
  await migrating.close();
  const raw = new Database(path);
  raw.exec(VARIANTS[variant]);
  raw.close();
  return SqliteStore.open(path);
}

/** CPU µs per message of one run of `variant` on a fresh database. */
async function measure(variant: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'hookd-sqlite-cost-'));
  const store = await openStore(join(dir, 'hookd.db'), variant);
  try {
    const requestHeaders = variant === 'no-request-headers' ? {} : REQUEST_HEADERS;
    const app = await store.applications.create({ name: 'bench' }, Date.now());
    // Room for a whole round: the default limit (16 live leases per endpoint) would split each
    // claim into several, and price the fair-share policy instead of the store.
    await store.endpoints.create(app.id, { ...endpointInput(), maxConcurrency: BATCH }, Date.now());
    const round = async () => {
      const now = Date.now();
      const create = () => store.messages.create({ appRef: app.id, eventType: 'bench.event', payload: PAYLOAD }, now);
      await Promise.all(Array.from({ length: BATCH }, create));
      const claimed = await claimMessages(store, 'wrk_bench', BATCH, 30_000, now);
      const outcomes = claimed.map((c) => {
        const outcome = outcomeFor(c, now, { status: 'success', nextAttemptAt: null });
        outcome.attempt.requestHeaders = requestHeaders;
        return outcome;
      });
      await store.queue.record('wrk_bench', outcomes, now);
    };
    for (let i = 0; i < WARMUP_BATCHES; i++) await round();
    const start = process.cpuUsage();
    for (let i = 0; i < MESSAGES / BATCH; i++) await round();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / MESSAGES;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const variants = (process.env.SQLITE_COST_VARIANTS ?? 'base,no-request-headers,no-list-indexes')
  .split(',')
  .map((name) => name.trim());
const unknown = variants.filter((name) => !(name in VARIANTS));
if (unknown.length > 0)
  throw new Error(`SQLITE_COST_VARIANTS: unknown ${unknown.join(', ')}; known: ${Object.keys(VARIANTS).join(', ')}`);
const runs = new Map(variants.map((name) => [name, [] as number[]]));
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of variants) {
    const us = await measure(variant);
    runs.get(variant)!.push(us);
    console.log(`${variant}: ${us.toFixed(1)} µs of CPU per message (load average ${loadavg()[0].toFixed(1)})`);
  }
}
for (const [variant, values] of runs) {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(
    `${variant}: median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} µs per message over ${values.length} runs`,
  );
}
