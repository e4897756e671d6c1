import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTestDatabase, TEST_BACKEND, type TestDatabase } from '../helpers/backend.js';
import { HOOKD_CLI, ROOT } from '../helpers/hookd-build.js';
import { exited, type HookdProcess, spawnHookd } from '../helpers/hookd-process.js';
import { TEST_ADMIN_TOKEN } from '../helpers/hookd.js';
import { type Receiver, type ReceivedRequest, startReceiver } from '../helpers/receiver.js';

/*
 * `hookd listen` as users run it: the built CLI as a child process, against a real hookd (a child
 * process too, on the backend under test), forwarding to real HTTP apps on loopback. Three
 * sessions on one source: `a` and `b` (every request), `f` (a --filter). Then `a` is killed and
 * restarted (its backlog arrives in order), and started again with --no-replay.
 */

const REQUESTS = 100;
/** Session f's --filter: the x-kind: keep requests (no header equals a number); written as JSON text, digits and all. */
const F_FILTER = '{"$or":[{"headers":{"x-kind":"keep"}},{"headers":{"x-seq":{"$eq":12345678901234567890}}}]}';
const START_TIMEOUT_MS = 120_000;
/** Generous: the CLI forwards one request at a time, and the machine is shared. */
const ARRIVAL_TIMEOUT_MS = 90_000;

const dataDir = mkdtempSync(join(tmpdir(), 'hookd-listen-'));
let database: TestDatabase;
let hookd: HookdProcess;
let sourceId: string;
const apps: Record<'a' | 'b' | 'f', Receiver> = {} as never;
const sessions = new Map<string, { child: ChildProcess; stdout: () => string; stderr: () => string }>();

/** Request i as sent: a binary, a form or a JSON body in turn; every tenth marked `x-kind: keep`. */
function requestOf(i: number) {
  const kind = i % 3;
  const body =
    kind === 0
      ? Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), randomBytes(200 + i)])
      : kind === 1
        ? Buffer.from(`a=1&b=%C3%A9+x&i=${i}&empty=`)
        : Buffer.from(`{ "i": ${i},  "text": "caf\u00e9",\n "n": [1, 2.50] }`);
  const contentType =
    kind === 0 ? 'application/octet-stream' : kind === 1 ? 'application/x-www-form-urlencoded' : 'application/json';
  const headers = ['content-type', contentType, 'X-Seq', String(i), 'X-Dup', 'a', 'x-dup', 'b'];
  if (i % 10 === 0) headers.push('x-kind', 'keep');
  return { method: i % 4 === 3 ? 'PUT' : 'POST', path: `/p${i}?i=${i}&q=%20x`, headers, body };
}

const sent: ReturnType<typeof requestOf>[] = [];
async function send(i: number, base = hookd.url): Promise<void> {
  const r = requestOf(i);
  sent[i] = r;
  const response = await request(`${base}/in/${sourceId}${r.path}`, {
    method: r.method,
    headers: r.headers,
    body: r.body,
  });
  await response.body.text();
  expect(response.statusCode).toBe(200);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** What arrived at the app as request i: method, path and query, headers in order, the exact body. */
function expectArrived(got: ReceivedRequest, i: number): void {
  const r = sent[i];
  expect(got.method).toBe(r.method);
  expect(got.url).toBe(`/hook${r.path}`);
  expect(sha256(got.rawBody)).toBe(sha256(r.body));
  const pairs: string[][] = [];
  for (let k = 0; k < got.rawHeaders.length; k += 2) pairs.push([got.rawHeaders[k], got.rawHeaders[k + 1]]);
  const sentPairs: string[][] = [];
  for (let k = 0; k < r.headers.length; k += 2) sentPairs.push([r.headers[k], r.headers[k + 1]]);
  // Every header sent arrives, in order, repeats as separate lines (host and content-length are the forward's own).
  expect(pairs.filter(([name]) => !['host', 'content-length', 'connection'].includes(name.toLowerCase()))).toEqual(
    sentPairs,
  );
}

async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`${hookd.url}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return (await response.json()) as T;
}

/** Runs `hookd listen` as a child process; resolves once it says it is connected. */
async function startListen(name: 'a' | 'b' | 'f', extra: string[] = []) {
  const args = [HOOKD_CLI, 'listen', sourceId, '--forward-to', apps[name].url, '--name', name, ...extra];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, HOOKD_SERVER: hookd.url, HOOKD_TOKEN: TEST_ADMIN_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hookd listen did not connect:\n${stderr}`)), START_TIMEOUT_MS);
    const check = () => {
      if (!/connected: waiting/.test(stderr)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`hookd listen exited with ${code}:\n${stderr}`)));
  });
  child.removeAllListeners('exit');
  const session = { child, stdout: () => stdout, stderr: () => stderr };
  sessions.set(name, session);
  return session;
}

async function kill(name: string): Promise<void> {
  const session = sessions.get(name)!;
  session.child.kill('SIGKILL');
  await exited(session.child);
  sessions.delete(name);
}

beforeAll(async () => {
  database = await freshTestDatabase();
  hookd = await spawnHookd(
    { HOOKD_DATA_DIR: dataDir, HOOKD_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...database.env },
    START_TIMEOUT_MS,
  );
  sourceId = (await api<{ id: string }>('/source', { method: 'POST', body: { name: 'dev' } })).id;
  // `/fail-once` fails its first try with a 503: the retry comes by the destination's schedule.
  let failed = false;
  apps.a = await startReceiver((got) => {
    if (!got.url.includes('/fail-once') || failed) return 202;
    failed = true;
    return 503;
  });
  apps.b = await startReceiver(() => 200);
  apps.f = await startReceiver(() => 200);
}, START_TIMEOUT_MS * 2);

afterAll(async () => {
  for (const name of [...sessions.keys()]) await kill(name);
  hookd?.child.kill('SIGKILL');
  if (hookd) await exited(hookd.child);
  for (const app of Object.values(apps)) await app.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('hookd listen', () => {
  it('forwards 100 requests byte for byte to two sessions, and the filtered ones to a third', async () => {
    await startListen('a');
    await startListen('b');
    await startListen('f', ['--filter', F_FILTER]);
    for (let i = 0; i < REQUESTS; i++) await send(i);
    for (const name of ['a', 'b'] as const) {
      await apps[name].waitFor((r) => r.length >= REQUESTS, ARRIVAL_TIMEOUT_MS);
      expect(apps[name].requests).toHaveLength(REQUESTS);
      for (const [i, got] of apps[name].requests.entries()) expectArrived(got, i);
    }
    await apps.f.waitFor((r) => r.length >= REQUESTS / 10, ARRIVAL_TIMEOUT_MS);
    for (const [k, got] of apps.f.requests.entries()) expectArrived(got, k * 10);
    // One line per request: time, method, path, local status, duration.
    expect(sessions.get('a')!.stdout()).toMatch(/^\d\d:\d\d:\d\d {2}POST \/p0\?i=0&q=%20x {2}→ 202 {2}\d+ ms$/m);
    await expect.poll(() => sessions.get('a')!.stdout().split('\n').filter(Boolean).length).toBe(REQUESTS);
  });

  it("shows the local response as the event's attempt", async () => {
    const destination = `listen_${sourceId}_a`;
    const events = await api<{ data: { id: string; status: string }[] }>(`/event?destination=${destination}&limit=250`);
    expect(events.data).toHaveLength(REQUESTS);
    expect(events.data.every((e) => e.status === 'success')).toBe(true);
    const attempts = await api<{ data: { responseStatusCode: number; url: string; response: string }[] }>(
      `/event/${events.data[0].id}/attempt`,
    );
    expect(attempts.data).toHaveLength(1);
    expect(attempts.data[0]).toMatchObject({ responseStatusCode: 202, response: 'ok' });
    expect(attempts.data[0].url).toBe(`${apps.a.url}${sent[REQUESTS - 1].path}`);
    // Nothing filtered out was stored for f.
    const filtered = await api<{ data: unknown[] }>(`/event?destination=listen_${sourceId}_f&limit=250`);
    expect(filtered.data).toHaveLength(REQUESTS / 10);
    // f's connection shows its filter as the CLI was given it: the number keeps its digits.
    const response = await fetch(`${hookd.url}/api/v1/connection?source=${sourceId}`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(await response.text()).toContain(`"filter":${F_FILTER}`);
  });

  it('keeps the requests sent while the CLI is down, and delivers them in order when it is back', async () => {
    await kill('a');
    for (let i = REQUESTS; i < REQUESTS + 20; i++) await send(i);
    await apps.b.waitFor((r) => r.length >= REQUESTS + 20, ARRIVAL_TIMEOUT_MS);
    expect(apps.a.requests).toHaveLength(REQUESTS);
    await startListen('a');
    await apps.a.waitFor((r) => r.length >= REQUESTS + 20, ARRIVAL_TIMEOUT_MS);
    expect(apps.a.requests).toHaveLength(REQUESTS + 20);
    for (const [k, got] of apps.a.requests.slice(REQUESTS).entries()) expectArrived(got, REQUESTS + k);
  });

  it('--no-replay skips the backlog (kept as canceled events) and forwards what comes next', async () => {
    // The last forward's outcome may still be on its way: killed before it lands, that event would
    // be waiting too (given back, sent again: at least once) and be skipped with the five.
    await expect
      .poll(
        async () =>
          (await api<{ data: unknown[] }>(`/event?destination=listen_${sourceId}_a&status=success&limit=250`)).data
            .length,
      )
      .toBe(apps.a.requests.length);
    await kill('a');
    const first = REQUESTS + 20;
    for (let i = first; i < first + 5; i++) await send(i);
    const session = await startListen('a', ['--no-replay']);
    expect(session.stderr()).toMatch(/skipped 5 waiting requests/);
    await send(first + 5);
    await apps.a.waitFor((r) => r.length > first, ARRIVAL_TIMEOUT_MS);
    expect(apps.a.requests).toHaveLength(first + 1);
    expectArrived(apps.a.requests[first], first + 5);
    const canceled = await api<{ data: unknown[] }>(`/event?destination=listen_${sourceId}_a&status=canceled`);
    expect(canceled.data).toHaveLength(5);
  });

  it("a failing local app is the attempt's outcome, and the event is retried by the destination's schedule", async () => {
    const before = apps.a.requests.length;
    const response = await request(`${hookd.url}/in/${sourceId}/fail-once`, { method: 'POST', body: 'x' });
    await response.body.text();
    // Attempt 1 answered 503; attempt 2 comes after the schedule's second delay (5 s by default).
    await apps.a.waitFor((r) => r.length >= before + 2, ARRIVAL_TIMEOUT_MS);
    expect(apps.a.requests.slice(before).map((r) => r.url)).toEqual(['/hook/fail-once', '/hook/fail-once']);
    await expect
      .poll(() => sessions.get('a')!.stdout())
      .toMatch(/POST \/fail-once {2}→ 202 {2}\d+ ms {2}\(attempt 2\)/);
    const events = await api<{ data: { id: string }[] }>(`/event?destination=listen_${sourceId}_a&limit=1`);
    // Newest first: the retry's 202, then the first try's 503.
    const statuses = async () =>
      (await api<{ data: { responseStatusCode: number }[] }>(`/event/${events.data[0].id}/attempt`)).data.map(
        (a) => a.responseStatusCode,
      );
    await expect.poll(statuses).toEqual([202, 503]);
  });

  // Only PostgreSQL has several processes on one database.
  it.runIf(TEST_BACKEND === 'postgres')('a request stored by another hookd process reaches the session', async () => {
    const other = await spawnHookd(
      { HOOKD_DATA_DIR: dataDir, HOOKD_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HOOKD_ROLE: 'api', ...database.env },
      START_TIMEOUT_MS,
    );
    try {
      const before = apps.b.requests.length;
      const first = REQUESTS + 26;
      for (let i = first; i < first + 10; i++) await send(i, other.url);
      await apps.b.waitFor((r) => r.length >= before + 10, ARRIVAL_TIMEOUT_MS);
      for (const [k, got] of apps.b.requests.slice(before).entries()) expectArrived(got, first + k);
    } finally {
      other.child.kill('SIGKILL');
      await exited(other.child);
    }
  });
});
