import { execFile } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, createEndpoint, messageInput } from '../suite/fixtures.suite.js';
import type { CheckpointSettings, CheckpointThread } from './checkpoint-thread.js';
import type { SqliteDb } from './database.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'hookd-checkpoint-'));
let n = 0;
const newPath = () => join(dir, `store-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAGE_BYTES = 4_096;
const SETTINGS: CheckpointSettings = { startAtBytes: 0, intervalMs: 5, restartFrames: 300, forceFrames: 100_000 };
const PAYLOAD = JSON.stringify({ filler: 'x'.repeat(4_000) });

async function openStore(settings: CheckpointSettings = SETTINGS) {
  const path = newPath();
  const store = SqliteStore.open(path, { checkpointThread: settings });
  await store.migrate();
  const app = await createApp(store);
  await createEndpoint(store, app.id);
  return { path, store, app, thread: store.checkpoints as CheckpointThread };
}

/** The main connection (private to the store). */
const mainDb = (store: SqliteStore) => (store as unknown as { db: SqliteDb }).db;

/** The WAL header's checkpoint sequence number: SQLite adds one each time the WAL starts over (wal.c, "WAL header"). */
function walRestarts(path: string): number {
  const header = Buffer.alloc(16);
  const fd = openSync(`${path}-wal`, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.readUInt32BE(12);
}

/** Group commits of `perRound` 4 KB messages, one after another, with a pause of a few ms between. */
async function writeRounds(store: SqliteStore, appId: string, rounds: number, perRound: number, onRound = () => {}) {
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      Array.from({ length: perRound }, () => store.messages.create(messageInput(appId, { payload: PAYLOAD }), 1)),
    );
    onRound();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('the checkpoint thread', () => {
  it('keeps the WAL small while the main connection never checkpoints, and loses nothing', async () => {
    const { path, store, app, thread } = await openStore();
    expect(thread.running).toBe(true);
    expect(mainDb(store).raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const restartsBefore = walRestarts(path);
    let largestWal = 0;
    // 200 rounds × 20 messages × ≥ 1 page each: ≥ 4,000 pages written, 13× the restart point.
    await writeRounds(store, app.id, 200, 20, () => {
      largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
    });
    const restarts = walRestarts(path) - restartsBefore;
    expect(restarts).toBeGreaterThanOrEqual(3);
    // Restarted near `restartFrames`; one interval's and one hold's writes may land past it.
    expect(largestWal).toBeLessThan(4 * SETTINGS.restartFrames * PAGE_BYTES);
    expect(mainDb(store).hold.isHeld).toBe(false);
    await store.close();

    const again = new Database(path, { readonly: true });
    expect(again.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(4_000);
    again.close();
  });

  it('hands checkpoints back to SQLite when the thread dies, and writes go on', async () => {
    const { store, app, thread } = await openStore();
    const worker = (thread as unknown as { worker: Worker }).worker;
    const db = mainDb(store);
    db.hold.hold(); // as if the thread had asked for a hold and then died
    const waiting = store.messages.create(messageInput(app.id), 1);
    await worker.terminate();
    await waiting;
    expect(thread.running).toBe(false);
    expect(db.hold.isHeld).toBe(false);
    expect(db.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    await writeRounds(store, app.id, 3, 5);
    await store.close();
  });

  it('starts only once the WAL file reaches startAtBytes', async () => {
    const { store, app, thread } = await openStore({ ...SETTINGS, startAtBytes: 2 << 20 });
    expect(thread.running).toBe(false);
    // ~4 MB of payloads: past 2 MiB, and under SQLite's own 1,000-page checkpoint.
    await writeRounds(store, app.id, 25, 40);
    await expect.poll(() => thread.running, { timeout: 5_000, interval: 100 }).toBe(true);
    expect(mainDb(store).raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await store.close();
  });

  it('lets close() resume in a process with nothing else to do (the thread is unref’d while it runs)', async () => {
    const path = newPath();
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(new URL('./sqlite-store.ts', import.meta.url).href)});
      const store = SqliteStore.open(${JSON.stringify(path)}, { checkpointThread: ${JSON.stringify(SETTINGS)} });
      await store.migrate();
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (!store.checkpoints.running) process.exit(2);
      await store.close();
      process.exitCode = 7;
    `;
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
    });
    const exitCode = await run.then(
      () => 0,
      (error: { code?: number }) => error.code,
    );
    expect(exitCode).toBe(7);
  });
});
