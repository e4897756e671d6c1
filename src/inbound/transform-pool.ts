import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { ValidationError } from '../core/errors.js';
import type { RequestSubject } from '../core/filter/subject.js';
import { TRANSFORM_DEFAULTS, type TransformOutcome, type TransformSandboxOptions } from '../core/transform/index.js';
import type { CheckAnswer, TransformTask } from './transform-worker.js';

/**
 * Connection transforms off the main thread. QuickJS checks its time limit only every ~10,000
 * bytecode steps, so a slow built-in near the memory limit (`a.push(new Array(1e6).fill(1))` in a
 * loop, `"x".repeat(1e5)` in a loop) runs for seconds before the sandbox's own limits stop it: on
 * the main thread that would stall ingest, the API and every delivery. Here each check and run
 * happens on a worker thread (piscina), and one that outlives the hard limit is aborted, which
 * makes piscina terminate its thread and start another.
 *
 * Tasks wait in this pool's own queue until a thread is free, so that the hard limit counts the
 * time on a thread only, never the wait behind other transforms.
 */
export interface TransformPool {
  /**
   * Checks a transform's source when it is saved (see TransformSandbox.check).
   * @throws ValidationError (`field: 'transform'`) naming the problem; also when the check
   *   outlives the hard limit or its thread fails.
   */
  check(source: string): Promise<void>;
  /**
   * Runs a transform on a request. Never rejects: every failure is a `kind: 'error'` outcome,
   * `"transform exceeded the hard limit of 1000 ms …"` for one stopped by the hard limit.
   */
  run(source: string, subject: RequestSubject): Promise<TransformOutcome>;
  /** Stops the threads: a task under way or waiting ends as a failure. */
  close(): Promise<void>;
}

export interface TransformPoolOptions extends Omit<TransformSandboxOptions, 'clock'> {
  /**
   * Worker threads. Default 2: one thread stuck on a bad transform until the hard limit still
   * leaves one for the rest, and transforms are short, so more would mostly take cores from the
   * main thread (hookd's API and engine) on small machines.
   */
  threads?: number;
  /**
   * Wall time, in ms, that one check or run may hold its thread before the thread is stopped.
   * Default `max(4 × timeoutMs, 1000)`: far above the sandbox's own limit, which ends any
   * well-behaved overrun, so that only what QuickJS cannot interrupt reaches it.
   */
  hardLimitMs?: number;
}

/** Starts the threads and resolves when each has loaded its sandbox. */
export async function createTransformPool(options: TransformPoolOptions = {}): Promise<TransformPool> {
  const { threads = 2, hardLimitMs, ...sandboxOptions } = options;
  const timeoutMs = sandboxOptions.timeoutMs ?? TRANSFORM_DEFAULTS.timeoutMs;
  const pool = new WorkerTransformPool(threads, hardLimitMs ?? Math.max(4 * timeoutMs, 1000), sandboxOptions);
  await pool.started();
  return pool;
}

/** The longest a stopped thread's slot waits for its replacement: past it, tasks wait in piscina. */
const RESTART_WAIT_MS = 30_000;

type Waiting = { task: TransformTask; resolve: (value: unknown) => void; reject: (error: unknown) => void };

class WorkerTransformPool implements TransformPool {
  private readonly piscina: Piscina;
  private readonly waiting: Waiting[] = [];
  /** Slots of stopped threads, each freed when piscina reports a new thread ready ('workerCreate'). */
  private readonly restarting: (() => void)[] = [];
  private active = 0;
  private closed = false;

  constructor(
    private readonly threads: number,
    private readonly hardLimitMs: number,
    sandboxOptions: Omit<TransformSandboxOptions, 'clock'>,
  ) {
    this.piscina = new Piscina({
      ...workerFile(),
      minThreads: threads,
      maxThreads: threads,
      workerData: sandboxOptions,
    });
    this.piscina.on('workerCreate', () => this.restarting.shift()?.());
    // Emitted for a thread that fails with no task (a task's own failure rejects its run): piscina
    // replaces the thread, and an unheard 'error' would throw in hookd's process.
    this.piscina.on('error', () => {});
  }

  /**
   * Resolves when every thread has loaded its sandbox. Without the hard limit: a thread's start
   * (loading and compiling the WebAssembly module) is not a transform's time. A thread that cannot
   * start (a broken build) fails here, at hookd's start, not at a first event.
   */
  async started(): Promise<void> {
    const task: TransformTask = { kind: 'check', source: 'function transform(request) { return request; }' };
    await Promise.all(Array.from({ length: this.threads }, () => this.piscina.run(task)));
  }

  async check(source: string): Promise<void> {
    let answer: CheckAnswer;
    try {
      answer = (await this.submit({ kind: 'check', source })) as CheckAnswer;
    } catch (error) {
      if (this.closed) throw error;
      throw new ValidationError(`transform: ${this.describeFailure(error)}`, 'transform');
    }
    if (answer.problem !== null) throw new ValidationError(answer.problem, 'transform');
  }

  async run(source: string, subject: RequestSubject): Promise<TransformOutcome> {
    let outcome: TransformOutcome;
    try {
      outcome = (await this.submit({ kind: 'run', source, subject })) as TransformOutcome;
    } catch (error) {
      return { kind: 'error', error: this.describeFailure(error) };
    }
    if (outcome.kind !== 'request') return outcome;
    // The structured clone made the Buffer a plain Uint8Array: the same bytes, viewed as a Buffer again.
    const { body } = outcome.request;
    return {
      kind: 'request',
      request: { ...outcome.request, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.waiting.splice(0)) waiting.reject(new Error('the transform pool is closed'));
    await this.piscina.destroy();
  }

  private submit(task: TransformTask): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the transform pool is closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.active < this.threads && this.waiting.length > 0) {
      const { task, resolve, reject } = this.waiting.shift() as Waiting;
      this.active++;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(new HardLimitError(this.hardLimitMs)), this.hardLimitMs);
      this.piscina
        .run(task, { signal: abort.signal })
        .then(resolve, (error: unknown) => reject(abort.signal.aborted ? abort.signal.reason : error))
        .finally(async () => {
          clearTimeout(timer);
          // A stopped thread's slot stays taken until its replacement is ready, so that no task's
          // hard limit pays for a thread's start (a second or more under tsx on a busy machine).
          if (abort.signal.aborted) await this.threadRestarted();
          this.active--;
          this.dispatch();
        });
    }
  }

  /** Resolves when piscina reports a new thread, or at worst after a while (a thread that cannot start). */
  private threadRestarted(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(fallback);
        const at = this.restarting.indexOf(done);
        if (at !== -1) this.restarting.splice(at, 1);
        resolve();
      };
      const fallback = setTimeout(done, RESTART_WAIT_MS);
      fallback.unref();
      this.restarting.push(done);
    });
  }

  private describeFailure(error: unknown): string {
    if (error instanceof HardLimitError) return error.message;
    return `the transform's worker thread failed (${(error as Error)?.message ?? String(error)})`;
  }
}

class HardLimitError extends Error {
  constructor(hardLimitMs: number) {
    super(`transform exceeded the hard limit of ${hardLimitMs} ms (its thread was stopped)`);
  }
}

/**
 * The worker's file beside this one: the built `.js`, or under vitest or tsx (which run the `.ts`
 * sources in place) the `.ts`, which the thread then loads through tsx's loader like its parent.
 */
function workerFile(): { filename: string; execArgv?: string[] } {
  const built = fileURLToPath(new URL('./transform-worker.js', import.meta.url));
  if (existsSync(built)) return { filename: built };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return {
    filename: fileURLToPath(new URL('./transform-worker.ts', import.meta.url)),
    execArgv: [...process.execArgv, '--import', tsx],
  };
}
