import { execFile } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync } from 'node:fs';
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

/** The first `length` bytes of a file. */
function fileHead(file: string, length: number): Buffer {
  const head = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, length, 0);
  } finally {
    closeSync(fd);
  }
  return head;
}

/** The WAL header's checkpoint sequence number: SQLite adds one each time the WAL starts over (wal.c, "WAL header"). */
const walRestarts = (path: string) => fileHead(`${path}-wal`, 16).readUInt32BE(12);

/** Frames in the WAL now: `mxFrame` of the WAL-index header in the -shm file (wal.c, WalIndexHdr; native byte order). */
const walFrames = (path: string) => fileHead(`${path}-shm`, 20).readUInt32LE(16);

/** Group commits of `perRound` 4 KB messages, back to back: each round starts once the last committed. */
async function writeRounds(store: SqliteStore, appId: string, rounds: number, perRound: number, onRound = () => {}) {
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      Array.from({ length: perRound }, () => store.messages.create(messageInput(appId, { payload: PAYLOAD }), 1)),
    );
    onRound();
  }
}

/** Counts the holds the thread asks for. */
function countHolds(store: SqliteStore): { readonly count: number } {
  const hold = mainDb(store).hold;
  const counter = { count: 0 };
  const original = hold.hold.bind(hold);
  hold.hold = () => {
    counter.count++;
    original();
  };
  return counter;
}

describe('the checkpoint thread', () => {
  it('keeps the WAL small while the main connection never checkpoints, and loses nothing', async () => {
    const { path, store, app, thread } = await openStore();
    expect(thread.running).toBe(true);
    expect(mainDb(store).raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const holds = countHolds(store);
    const restartsBefore = walRestarts(path);
    let largestWal = 0;
    let written = 0;
    let frames = walFrames(path);
    // 400 rounds × 20 messages × ≥ 1 page each: ≥ 8,000 pages written, 26× the restart point
    // (enough that a thread starved for a while by other busy processes stays under the bound).
    await writeRounds(store, app.id, 400, 20, () => {
      const now = walFrames(path);
      written += now >= frames ? now - frames : now;
      frames = now;
      largestWal = Math.max(largestWal, now);
    });
    expect(walRestarts(path) - restartsBefore).toBeGreaterThanOrEqual(3);
    expect(holds.count).toBeGreaterThanOrEqual(3);
    // Restarted near `restartFrames`, plus what is written in one interval and one hold: on a
    // loaded machine that can be several times the restart point, but never most of what was written.
    expect(written).toBeGreaterThan(8_000);
    expect(largestWal).toBeLessThan(written / 3);
    await store.close();
    expect(mainDb(store).hold.isHeld).toBe(false);

    const again = new Database(path, { readonly: true });
    expect(again.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(8_000);
    again.close();
  });

  it('holds claims and records as well as group commits, and lets them through when it ends', async () => {
    const { store, app } = await openStore({ ...SETTINGS, startAtBytes: 1e12 });
    await store.messages.create(messageInput(app.id), 1);
    const db = mainDb(store);
    db.hold.hold();
    let claimed: unknown[] | null = null;
    let created = false;
    const claim = store.queue.claim('w', 10, 30_000, 2).then((rows) => {
      claimed = rows;
    });
    const create = store.messages.create(messageInput(app.id), 2).then(() => {
      created = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([claimed, created]).toEqual([null, false]);
    db.hold.release();
    await Promise.all([claim, create]);
    expect(claimed).toHaveLength(1);
    await store.close();
  });

  it('writes what waited on a hold when the store closes during it', async () => {
    const { path, store, app } = await openStore();
    mainDb(store).hold.hold();
    const pending = Array.from({ length: 5 }, () => store.messages.create(messageInput(app.id), 2));
    await store.close();
    await Promise.all(pending);
    const again = new Database(path, { readonly: true });
    expect(again.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(5);
    again.close();
  });

  it('restarts a WAL that a reader in another connection held past forceFrames, once the reader is done', async () => {
    const { path, store, app } = await openStore({ ...SETTINGS, forceFrames: 900 });
    const reader = new Database(path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM messages').get(); // a read transaction on the WAL as it is now
    const restartsBefore = walRestarts(path);
    await writeRounds(store, app.id, 60, 20);
    expect(walRestarts(path) - restartsBefore).toBe(0); // the reader keeps frames the WAL cannot drop
    reader.exec('COMMIT');
    reader.close();
    await writeRounds(store, app.id, 60, 20);
    expect(walRestarts(path) - restartsBefore).toBeGreaterThanOrEqual(1);
    await store.close();
  });

  it('is not started for a database without a file of its own', async () => {
    for (const path of [':memory:', '']) {
      const store = SqliteStore.open(path, { checkpointThread: SETTINGS });
      expect(store.checkpoints).toBeNull();
      await store.close();
    }
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
    // ~4 MB of payloads: past 2 MiB (the file does not shrink after SQLite's own checkpoints).
    await writeRounds(store, app.id, 25, 40);
    await expect.poll(() => thread.running, { timeout: 5_000, interval: 100 }).toBe(true);
    expect(mainDb(store).raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await store.close();
  });

  it('lets close() resume in a process with nothing else to do (the thread is unref’d while it runs)', async () => {
    const path = newPath();
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(new URL('./sqlite-store.ts', import.meta.url).href)});
      const logger = { error: (fields, message) => console.error(message, fields.err) };
      const store = SqliteStore.open(${JSON.stringify(path)}, { checkpointThread: ${JSON.stringify(SETTINGS)}, logger });
      await store.migrate();
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (!store.checkpoints.running) process.exit(2);
      await store.close();
      process.exitCode = 7;
    `;
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
    });
    const { code, stderr } = await run.then(
      () => ({ code: 0, stderr: '' }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
    );
    expect(code, stderr).toBe(7);
  });
});
