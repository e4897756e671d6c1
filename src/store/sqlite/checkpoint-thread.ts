import { statSync } from 'node:fs';
import { resolve } from 'node:path';
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
  /** WAL frames past which the held checkpoint is a RESTART, which waits for other processes' readers. */
  forceFrames: number;
}

/**
 * 1 MiB: a store that writes little (most tests, a quiet hookd) never starts a thread. A hold lasts
 * one checkpoint of the last interval's pages and its two fsyncs, 8–24 ms measured (`npm run bench`,
 * receive at 1,000 requests a second, which writes ~10,000 pages a second): 16,000 pages (64 MiB
 * with 4 KiB pages) between restarts makes that one hold every ~1.6 s, about 1% of the time.
 */
export const DEFAULT_CHECKPOINT_SETTINGS: CheckpointSettings = {
  startAtBytes: 1 << 20,
  intervalMs: 50,
  restartFrames: 16_000,
  forceFrames: 32_000,
};

/** How long a hold may last, in ms, before the main thread ends it itself (a stuck fsync, a starved thread). */
const HOLD_LIMIT_MS = 1_000;

/**
 * How long a RESTART checkpoint waits for other processes' readers and writers, in ms (the
 * thread's busy timeout): inside a hold, so the group commits wait as long.
 */
const FORCE_WAIT_MS = 100;

/** What the thread posts to the main thread. */
type ThreadMessage = { type: 'hold' } | { type: 'release' };

/**
 * The thread's code, plain JavaScript run with `eval` (so it loads the same way from `dist/` and
 * from the sources under vitest or tsx). Its own connection, `synchronous=NORMAL` as the main one:
 * a checkpoint then fsyncs the WAL before it copies pages and the database file before it counts
 * them as copied, which is what makes a WAL restart safe against a power loss (never OFF here).
 *
 * Every `intervalMs`, a PASSIVE checkpoint, which copies WAL pages into the database file without
 * blocking the main connection's readers or writers. Once the WAL holds `nextHoldAt` frames, it asks
 * for a hold; once the main thread answers `held`, one more checkpoint copies the few pages written
 * since, so that every frame is in the database file and the next commit starts the WAL over.
 * Past `forceFrames` (a reader in another process kept the WAL from restarting) that checkpoint is
 * a RESTART, which also waits up to `forceWaitMs`, within the hold, for other processes' readers and
 * writers. After a hold the next one waits for `restartFrames` more frames (after a RESTART, for the
 * WAL to double), so a WAL that could not restart is not held for again at every interval; except
 * that a hold whose checkpoint a reader kept from copying every frame is tried again as soon as a
 * pass copies them all (the reader is gone). A WAL that restarted (fewer frames than at the last
 * pass) starts over.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.forceWaitMs });
db.pragma('synchronous = NORMAL');
const checkpoint = (mode) => db.pragma('wal_checkpoint(' + mode + ')')[0];
let holding = false;
let stopped = false;
let lastLog = 0;
let nextHoldAt = workerData.restartFrames;
let retryWhenCaughtUp = false;
const timer = setInterval(() => {
  if (holding) return;
  const { log, checkpointed } = checkpoint('PASSIVE');
  if (log < lastLog) {
    nextHoldAt = workerData.restartFrames;
    retryWhenCaughtUp = false;
  }
  lastLog = log;
  if (log >= nextHoldAt || (retryWhenCaughtUp && checkpointed === log && log >= workerData.restartFrames)) {
    holding = true;
    parentPort.postMessage({ type: 'hold' });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (stopped) return;
  if (message.type === 'held') {
    const force = lastLog >= workerData.forceFrames;
    const { log, checkpointed } = checkpoint(force ? 'RESTART' : 'PASSIVE');
    lastLog = log;
    nextHoldAt = force ? 2 * log : log + workerData.restartFrames;
    retryWhenCaughtUp = checkpointed < log;
    holding = false;
    parentPort.postMessage({ type: 'release' });
  } else if (message.type === 'stop') {
    stopped = true;
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
 * lands in the hold only means a later try. The thread is ref'd while it holds (a process must not
 * exit with commits waiting on it), and a hold ends after `HOLD_LIMIT_MS` whatever the thread does.
 *
 * Starts once the WAL file has reached `startAtBytes` (a store that writes little never needs the
 * thread); if the thread fails, the main connection goes back to SQLite's automatic checkpoint.
 * Durability is SQLite's own: checkpoints never touch what a commit guarantees.
 */
export class CheckpointThread {
  private readonly path: string;
  private worker: Worker | null = null;
  private readonly startTimer: NodeJS.Timeout;
  private holdTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  /** `path`: the database file (resolved now: the thread may start long after, in another directory). */
  constructor(
    private readonly db: SqliteDb,
    path: string,
    private readonly settings: CheckpointSettings = DEFAULT_CHECKPOINT_SETTINGS,
    private readonly logger?: Logger,
  ) {
    this.path = resolve(path);
    this.startTimer = setInterval(() => {
      if (walBytes(this.path) >= settings.startAtBytes) this.start();
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
      // Not the process's flags: `--input-type=module` would run this CommonJS source as a module
      // (no `require`: the thread died at once), and it needs no loader (tsx) of the parent's.
      execArgv: [],
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: this.path,
        forceWaitMs: FORCE_WAIT_MS,
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
      if (message.type === 'release') this.endHold(worker);
      else if (!this.stopped) {
        // Nothing is ever mid-transaction here (better-sqlite3 is synchronous): the hold is in effect at once.
        this.db.hold.hold();
        worker.ref();
        this.holdTimer = setTimeout(() => this.endHold(worker), HOLD_LIMIT_MS);
        worker.postMessage({ type: 'held' });
      }
    });
    worker.on('error', (error) => this.logger?.error({ err: error }, 'SQLite checkpoint thread failed'));
    worker.on('exit', () => this.fallBack(worker));
  }

  private endHold(worker: Worker): void {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    if (!this.stopped) worker.unref();
    this.db.hold.release();
  }

  /** The thread is gone: SQLite's automatic checkpoint again, and nothing left waiting on a hold. */
  private fallBack(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.endHold(worker);
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
