import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { SqliteDb } from './database.js';

/** SQLite's own automatic checkpoint, in WAL pages: what the main connection goes back to without the thread. */
const AUTOCHECKPOINT_PAGES = 1_000;

export interface CheckpointSettings {
  /** The WAL file's size, in bytes, at which the thread starts (checked once a second). */
  startAtBytes: number;
  /** How often the thread runs a PASSIVE checkpoint, in ms. */
  intervalMs: number;
  /** WAL frames (pages) at which the thread asks for a hold, to start the WAL file over. */
  restartFrames: number;
  /** WAL frames at which the thread runs a RESTART checkpoint, which waits for every writer. */
  forceFrames: number;
}

/**
 * 1 MiB: a store that writes little (most tests, a quiet hookd) never starts a thread. A hold lasts
 * one checkpoint of the last interval's pages and its two fsyncs, 8–15 ms measured (`npm run bench`,
 * receive at 1,000 requests a second, which writes ~9,000 pages a second): 16,000 pages (64 MiB
 * with 4 KiB pages) between restarts makes that one hold every ~2 s, under 1% of the time.
 */
export const DEFAULT_CHECKPOINT_SETTINGS: CheckpointSettings = {
  startAtBytes: 1 << 20,
  intervalMs: 50,
  restartFrames: 16_000,
  forceFrames: 32_000,
};

/** What the thread posts to the main thread. */
type ThreadMessage = { type: 'hold' } | { type: 'release'; log: number; checkpointed: number };

/**
 * The thread's code, plain JavaScript run with `eval` (so it loads the same way from `dist/` and
 * from the sources under vitest or tsx). Its own connection; every `intervalMs`, a PASSIVE
 * checkpoint, which copies WAL pages into the database file and syncs both without blocking the
 * main connection's writers or readers. Once the WAL holds `restartFrames`, it asks for a hold; once
 * the main thread answers `held`, one more PASSIVE checkpoint copies the few pages written since, so
 * that every frame is in the database file, and the next commit starts the WAL over from its first
 * frame. A WAL past `forceFrames` (another process writing, or writes that do not hold) gets a
 * RESTART checkpoint, which waits for writers (`busyTimeoutMs`).
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma('synchronous = NORMAL');
const checkpoint = (mode) => db.pragma('wal_checkpoint(' + mode + ')')[0];
let holding = false;
const timer = setInterval(() => {
  if (holding) return;
  const { log } = checkpoint('PASSIVE');
  if (log >= workerData.forceFrames) checkpoint('RESTART');
  else if (log >= workerData.restartFrames) {
    holding = true;
    parentPort.postMessage({ type: 'hold' });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message.type === 'held') {
    const { log, checkpointed } = checkpoint('PASSIVE');
    holding = false;
    parentPort.postMessage({ type: 'release', log, checkpointed });
  } else if (message.type === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

/**
 * Runs SQLite's WAL checkpoints on a thread of their own instead of inside the main thread's
 * commits. A checkpoint copies the WAL's pages into the database file and syncs both: with SQLite's
 * automatic checkpoint (every 1,000 pages) that ran inside a COMMIT on the event loop, ~6 times a
 * second at 1,000 received requests a second, 14 ms each (9 ms waiting on fsync), and it made most
 * of the ack latency's tail.
 *
 * The WAL file starts over from its first frame only when a commit begins while every frame is in
 * the database file, which a checkpoint on another connection never sees while the event loop
 * commits every few ms. So the thread asks for a hold (`WriteHold`: the group commits and the
 * engine's claims and records wait, the event loop does not), finishes, and releases; the first
 * commit after that starts the WAL over, and `journal_size_limit` truncates the file to
 * `restartFrames` pages. Writes outside the group commits (CRUD, retention) are not held: one that
 * lands in the hold only means the thread tries again at its next interval.
 *
 * Starts once the WAL file has reached `startAtBytes` (a store that writes little never needs the
 * thread); if the thread fails, the main connection goes back to SQLite's automatic checkpoint.
 * Durability is SQLite's own: checkpoints never touch what a commit guarantees.
 */
export class CheckpointThread {
  private worker: Worker | null = null;
  private readonly startTimer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly db: SqliteDb,
    private readonly path: string,
    private readonly settings: CheckpointSettings = DEFAULT_CHECKPOINT_SETTINGS,
    private readonly logger?: Logger,
  ) {
    this.startTimer = setInterval(() => {
      if (walBytes(path) >= settings.startAtBytes) this.start();
    }, 1_000).unref();
    if (settings.startAtBytes <= 0) this.start();
  }

  /** True while the thread runs (tests). */
  get running(): boolean {
    return this.worker !== null;
  }

  private start(): void {
    clearInterval(this.startTimer);
    if (this.worker !== null || this.stopped) return;
    const { raw } = this.db;
    const pageSize = raw.pragma('page_size', { simple: true }) as number;
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: this.path,
        busyTimeoutMs: raw.pragma('busy_timeout', { simple: true }) as number,
        intervalMs: this.settings.intervalMs,
        restartFrames: this.settings.restartFrames,
        forceFrames: this.settings.forceFrames,
      },
    });
    worker.unref();
    this.worker = worker;
    raw.pragma('wal_autocheckpoint = 0');
    raw.pragma(`journal_size_limit = ${this.settings.restartFrames * pageSize}`);
    worker.on('message', (message: ThreadMessage) => {
      if (message.type === 'hold') {
        // Nothing is ever mid-transaction here (better-sqlite3 is synchronous): the hold is in effect at once.
        this.db.hold.hold();
        worker.postMessage({ type: 'held' });
      } else this.db.hold.release();
    });
    worker.on('error', (error) => this.logger?.error({ err: error }, 'SQLite checkpoint thread failed'));
    worker.on('exit', () => this.fallBack(worker));
  }

  /** The thread is gone: SQLite's automatic checkpoint again, and nothing left waiting on a hold. */
  private fallBack(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.db.hold.release();
    if (this.db.raw.open) this.db.raw.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }

  /** Stops the thread and waits for it to close its connection; the main connection closes after. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.startTimer);
    const worker = this.worker;
    if (worker === null) return;
    // Referenced again so that the process waits for the thread's exit (an unref'd thread's exit
    // would not keep the event loop alive, and a caller awaiting it would never resume).
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' });
    await exited;
  }
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
