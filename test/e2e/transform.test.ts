import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import { freshTestDatabase, type TestDatabase } from '../helpers/backend.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { exited, type HookdProcess, spawnHookd } from '../helpers/hookd-process.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/*
 * Connection transforms through a whole hookd: checked when saved, run when the event is sent, both
 * on the transform pool's worker threads. Once in this process (the worker loads the .ts sources
 * through tsx) and once as `node dist/cli/main.js serve` (the worker is the built .js).
 */

const REWRITE = `function transform(request) {
  request.body = { cents: request.body.amount * 100 };
  request.headers['x-transformed'] = 'yes';
  return request;
}`;
// Slow built-ins near the memory limit, which QuickJS's time limit cannot interrupt for seconds.
const MEMORY_BOMB = 'let a = []; for (;;) a.push(new Array(1e6).fill(1));';

async function checkTransforms(baseUrl: string, receiver: Receiver) {
  const api: ApiClient = createApiClient(baseUrl, TEST_ADMIN_TOKEN);
  const src = (await api.post('/api/v1/source', { body: { name: 'src' } })).body;
  const connect = async (path: string, transform: string) => {
    const dst = (await api.post('/api/v1/destination', { body: { name: path, url: receiver.url + path } })).body;
    return api.post('/api/v1/connection', { body: { source: src.id, destination: dst.id, transform } });
  };

  // Saving: a syntax error and a bomb at the top level are refused with a 422 on `transform`.
  const syntax = await connect('/syntax', 'function transform(r) { return r');
  expect(syntax.status).toBe(422);
  expect(JSON.stringify(syntax.body)).toMatch(/SyntaxError/);
  const topBomb = await connect('/top-bomb', `${MEMORY_BOMB}\n${REWRITE}`);
  expect(topBomb.status).toBe(422);
  expect(JSON.stringify(topBomb.body)).toMatch(/transform exceeded/);

  // Sending: one connection rewrites, one runs a bomb; the bomb's event fails with its error, the
  // other is delivered rewritten.
  for (const [path, source] of [
    ['/rewrite', REWRITE],
    ['/bomb', `function transform(r) { ${MEMORY_BOMB} }`],
  ]) {
    const saved = await connect(path, source);
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
  }
  const ingest = await request(`${baseUrl}/in/${src.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 3 }),
  });
  expect(ingest.statusCode).toBe(200);
  await ingest.body.dump();
  await receiver.waitFor((requests) => requests.some((r) => r.url === '/hook/rewrite'), 60_000);
  const rewritten = receiver.requests.find((r) => r.url === '/hook/rewrite')!;
  expect(JSON.parse(rewritten.rawBody.toString())).toEqual({ cents: 300 });
  expect(rewritten.headers['x-transformed']).toBe('yes');

  const [received] = (await api.get(`/api/v1/source/${src.id}/request`)).body.data;
  const events = (await api.get(`/api/v1/request/${received.id}/event`)).body.data as { id: string }[];
  expect(events).toHaveLength(2);
  const statuses = async () =>
    (await Promise.all(events.map((e) => api.get(`/api/v1/event/${e.id}`)))).map((r) => r.body.status).sort();
  await expect.poll(statuses, { timeout: 60_000 }).toEqual(['fail', 'success']);
  const attempts = await Promise.all(
    events.map(async (e) => (await api.get(`/api/v1/event/${e.id}/attempt`)).body.data),
  );
  const responses = attempts.flat().map((a: { response: string }) => a.response);
  expect(responses).toContainEqual(expect.stringMatching(/^transform failed: transform exceeded/));
  expect(receiver.requests.filter((r) => r.url === '/hook/bomb')).toEqual([]);
}

describe('transforms in a hookd in this process (worker from the .ts sources)', () => {
  let hookd: TestHookd | undefined;
  let receiver: Receiver | undefined;
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  it('refuses bad transforms when saved, rewrites with a good one, fails the event of a bomb', async () => {
    hookd = await startTestHookd();
    receiver = await startReceiver(() => 200);
    await checkTransforms(hookd.url, receiver);
  });
});

describe('transforms in `hookd serve` from dist/ (worker from the built .js)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookd-transform-'));
  let database: TestDatabase | undefined;
  let hookd: HookdProcess | undefined;
  let receiver: Receiver | undefined;
  afterAll(async () => {
    if (hookd) {
      hookd.child.kill('SIGTERM');
      await exited(hookd.child);
    }
    await receiver?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses bad transforms when saved, rewrites with a good one, fails the event of a bomb', async () => {
    database = await freshTestDatabase();
    receiver = await startReceiver(() => 200);
    hookd = await spawnHookd(
      {
        ...database.env,
        HOOKD_DATA_DIR: dataDir,
        HOOKD_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        HOOKD_ALLOWED_NETWORKS: '127.0.0.0/8',
      },
      120_000,
    );
    await checkTransforms(hookd.url, receiver);
  });
});
