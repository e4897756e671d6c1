/**
 * `npm run bench:overview`: the dashboard's overview with BENCH_OVERVIEW_MESSAGES (100,000)
 * messages in the store, each with one recorded attempt spread over the last day.
 *
 * - the statistics query (`store.stats.deliveryStats`) over the last hour and day, on SQLite and
 *   (when BENCH_DATABASE_URL reaches a server) PostgreSQL, analyzed: median of BENCH_OVERVIEW_RUNS;
 * - the overview's first render in Chromium (SQLite, /usr/bin/chromium): from navigation start to
 *   the figures and the chart drawn, cold (a fresh browser context each run), median of the runs,
 *   and its phases (when the bundle, each API call and the chart's chunk were asked for and came);
 * - the bundle: the initial JS + CSS (index.html's own assets) and the chart's chunk, gzip -9.
 *
 * Everything runs on loopback; the endpoint is a port nothing listens on (the attempts are made up).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { loadConfig, type Config } from '../src/config/config.js';
import { newId } from '../src/core/ids.js';
import { UI_DIR } from '../src/dashboard/ui-bundle.js';
import { startHookd } from '../src/server/hookd.js';
import { openStore } from '../src/store/open-store.js';
import type { DeliveryOutcome, Store } from '../src/store/store.js';
import { DEFAULT_DATABASE_URL, probe, withBenchSchema, withClient } from './postgres.js';

const MESSAGES = Number(process.env.BENCH_OVERVIEW_MESSAGES ?? 100_000);
const RUNS = Number(process.env.BENCH_OVERVIEW_RUNS ?? 5);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? DEFAULT_DATABASE_URL;
const ADMIN_TOKEN = 'bench-overview-admin-token-0123456789';
const DAY_MS = 86_400_000;
const BATCH = 1000;
const WORKER = 'wrk_bench_overview';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** MESSAGES messages over the last day, each claimed and recorded with one attempt (1 in 20 failed). */
async function fill(store: Store, now: number): Promise<void> {
  const app = await store.applications.create({ name: 'bench' }, now - DAY_MS);
  await store.endpoints.create(
    app.id,
    { url: 'http://127.0.0.1:9/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    now - DAY_MS,
  );
  for (let done = 0; done < MESSAGES; done += BATCH) {
    const at = now - DAY_MS + Math.floor(((done + BATCH / 2) / MESSAGES) * (DAY_MS - 60_000));
    const count = Math.min(BATCH, MESSAGES - done);
    await Promise.all(
      Array.from({ length: count }, () =>
        store.messages.create({ appRef: app.id, eventType: 'invoice.paid', payload: '{"amount":100}' }, at),
      ),
    );
    const claimed = await store.queue.claim(WORKER, count, 60_000, at);
    const outcomes: DeliveryOutcome[] = claimed.map((c, i) => {
      if (c.kind !== 'message') throw new Error('bench: claimed an event');
      const status = i % 20 === 0 ? 'fail' : 'success';
      return {
        attempt: {
          id: newId('atmpt', at),
          deliveryId: c.delivery.id,
          appId: app.id,
          msgId: c.message.id,
          endpointId: c.endpoint.id,
          url: c.endpoint.url,
          status,
          responseStatusCode: status === 'success' ? 200 : 500,
          response: 'ok',
          responseDurationMs: 5 + (i % 100),
          requestHeaders: {},
          trigger: 0,
          createdAt: at,
        },
        status,
        nextAttemptAt: null,
      };
    });
    await store.queue.record(WORKER, outcomes, at);
  }
}

async function timeQueries(store: Store, now: number): Promise<{ hourMs: number; dayMs: number }> {
  const time = async (since: number) => {
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const stats = await store.stats.deliveryStats(since);
      runs.push(performance.now() - started);
      if (since === now - DAY_MS && stats.success + stats.fail !== MESSAGES) throw new Error('bench: attempts missing');
    }
    return median(runs);
  };
  return { hourMs: await time(now - 3_600_000), dayMs: await time(now - DAY_MS) };
}

async function firstRender(config: Config): Promise<number[]> {
  const hookd = await startHookd({ ...config, port: 0 });
  const url = hookd.url!;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const login = await fetch(`${url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hookd-csrf': '1' },
      body: JSON.stringify({ token: ADMIN_TOKEN }),
    });
    const session = /hookd_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1];
    const runs: number[] = [];
    const phases: Record<string, number>[] = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addCookies([{ name: 'hookd_session', value: session, url }]);
      const page = await context.newPage();
      await page.goto(`${url}/`);
      await page.locator('.chart canvas').waitFor({ timeout: 60_000 });
      const drawnAt = await page.evaluate(() => performance.now());
      runs.push(drawnAt);
      phases.push(await renderPhases(page, drawnAt));
      await context.close();
    }
    // Where the time goes: each phase's median over the runs, in the order they happen.
    const names = [...new Set(phases.flatMap((p) => Object.keys(p)))];
    console.log(
      `Chromium: phases (ms since navigation start, median): ${names
        .map((name) => `${name} ${median(phases.map((p) => p[name] ?? Number.NaN)).toFixed(0)}`)
        .join(', ')}`,
    );
    return runs;
  } finally {
    await browser.close();
    await hookd.close();
  }
}

/**
 * The render's milestones from the Resource Timing entries: when the page, the bundle, each API
 * call and the chart's chunk started and arrived, and when the chart was drawn.
 */
async function renderPhases(page: Page, drawnAt: number): Promise<Record<string, number>> {
  const entries = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    return {
      html: nav.responseEnd,
      domContentLoaded: nav.domContentLoadedEventEnd,
      resources: resources.map((e) => ({ name: new URL(e.name).pathname, start: e.startTime, end: e.responseEnd })),
    };
  });
  const phases: Record<string, number> = { html: entries.html };
  const label = (name: string) =>
    name.startsWith('/api/v1/')
      ? name.slice('/api/v1/'.length)
      : name.replace(/^\/assets\/([a-z]+)-[^.]+\.(\w+)$/, '$1.$2');
  for (const r of entries.resources) {
    phases[`${label(r.name)} asked`] = r.start;
    phases[`${label(r.name)} got`] = r.end;
  }
  phases.domContentLoaded = entries.domContentLoaded;
  phases['chart drawn'] = drawnAt;
  return phases;
}

function bundleSizes(): { initialKiB: number; chartKiB: number } {
  const index = readFileSync(join(UI_DIR, 'index.html'), 'utf8');
  const initial = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
  const gz = (file: string) => gzipSync(readFileSync(join(UI_DIR, file)), { level: 9 }).length;
  const initialBytes = initial.reduce((sum, file) => sum + gz(file), 0);
  const chartBytes = readdirSync(join(UI_DIR, 'assets'))
    .filter((f) => f.startsWith('chart-'))
    .reduce((sum, f) => sum + gz(`assets/${f}`), 0);
  return { initialKiB: initialBytes / 1024, chartKiB: chartBytes / 1024 };
}

async function main(): Promise<void> {
  const now = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'hookd-bench-overview-'));
  const config: Config = {
    ...loadConfig({ argv: [], env: {}, cwd: dataDir }),
    dataDir,
    adminToken: ADMIN_TOKEN,
    logLevel: 'warn',
  };
  try {
    const store = await openStore(config);
    await store.migrate();
    const filling = performance.now();
    await fill(store, now);
    console.log(
      `SQLite: ${MESSAGES} messages and attempts written in ${((performance.now() - filling) / 1000).toFixed(1)} s`,
    );
    const sqlite = await timeQueries(store, now);
    console.log(
      `SQLite: stats over the last hour ${sqlite.hourMs.toFixed(1)} ms, last day ${sqlite.dayMs.toFixed(1)} ms (median of ${RUNS})`,
    );
    await store.close();
    const renders = await firstRender(config);
    console.log(
      `Chromium: overview first render (figures and chart drawn) median ${median(renders).toFixed(0)} ms, ` +
        `runs ${renders.map((r) => r.toFixed(0)).join(', ')} ms`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const reachable = await probe(DATABASE_URL);
  if (!reachable.ok) console.log(`PostgreSQL skipped: ${reachable.reason}`);
  else
    await withBenchSchema(DATABASE_URL, async (schema) => {
      const store = await openStore({ ...config, databaseUrl: schema.url });
      await store.migrate();
      await fill(store, now);
      // As autovacuum would have by the time a store holds 100,000 messages (its naptime is a
      // minute; the fill takes seconds): without statistics the planner guesses a third of the
      // attempts for any id range and scans them all, even for the last hour.
      await withClient(schema.url, (client) => client.query('ANALYZE'));
      const pg = await timeQueries(store, now);
      console.log(
        `PostgreSQL: stats over the last hour ${pg.hourMs.toFixed(1)} ms, last day ${pg.dayMs.toFixed(1)} ms (median of ${RUNS})`,
      );
      await store.close();
    });
  const { initialKiB, chartKiB } = bundleSizes();
  console.log(
    `bundle (gzip -9): initial JS + CSS ${initialKiB.toFixed(1)} KiB; the overview's chart chunk ${chartKiB.toFixed(1)} KiB`,
  );
}

await main();
