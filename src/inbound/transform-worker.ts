import { workerData } from 'node:worker_threads';
import { ValidationError } from '../core/errors.js';
import type { RequestSubject } from '../core/filter/subject.js';
import {
  createTransformSandbox,
  type TransformOutcome,
  type TransformSandbox,
  type TransformSandboxOptions,
} from '../core/transform/index.js';

/**
 * The worker thread of the transform pool (transform-pool.ts): one QuickJS sandbox per thread,
 * kept for all its tasks. Only plain data crosses (structured clone): a check's problem comes back
 * as text, since an error's class and `field` would not survive the copy.
 */

/** One task: check a source, or run it on a request (as the transform sees it). */
export type TransformTask =
  | { kind: 'check'; source: string }
  | { kind: 'run'; source: string; subject: RequestSubject };

/** A check's answer: `null` when the source is a valid transform, otherwise the problem. */
export type CheckAnswer = { problem: string | null };

/**
 * The task handler, exported as a promise that piscina awaits before it reports the thread ready:
 * the WebAssembly module is loaded before the first task, so that a task's hard time limit never
 * pays for a thread's start. Not a top-level await: piscina may `require` this module first.
 */
export default createTransformSandbox(workerData as TransformSandboxOptions).then(
  (sandbox) => (task: TransformTask) => handle(sandbox, task),
);

async function handle(sandbox: TransformSandbox, task: TransformTask): Promise<CheckAnswer | TransformOutcome> {
  // After a host-level fault the sandbox swaps its WebAssembly instance: wait for the new one.
  await sandbox.ready();
  if (task.kind === 'run') return sandbox.run(task.source, task.subject);
  try {
    sandbox.check(task.source);
    return { problem: null };
  } catch (error) {
    if (error instanceof ValidationError) return { problem: error.message };
    throw error;
  }
}
