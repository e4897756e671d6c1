import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { ValidationError } from '../errors.js';
import type { RequestSubject } from '../filter/subject.js';
import { describeThrown, isOutOfMemory, isStackOverflow, SOURCE_FILE } from './quickjs-errors.js';
import { QuickJSModuleSlot } from './quickjs-module-slot.js';
import { type TransformOutcome, toTransformOutcome } from './transform-output.js';

/**
 * Connection transforms: JavaScript that rewrites a received request before it is forwarded,
 * Hookdeck-style. The source defines `function transform(request) { ...; return request; }`;
 * `request` is the {@link RequestSubject} (`{method, path, query, headers, body}`, body parsed).
 * It may change any of them and returns the request to forward, or `null` to drop the event.
 * Returning `undefined` (a forgotten `return`) or throwing is an error, recorded, never a drop.
 *
 * Each run gets a new QuickJS runtime and context in a WebAssembly instance, so nothing leaks
 * between runs or connections, and nothing of the host is reachable: the context has the
 * ECMAScript built-ins only (no fetch, timers, require, console). A new runtime per run costs
 * little (see the report in the tests) and lets the memory limit hold per run.
 */
export interface TransformSandbox {
  /**
   * Checks a transform's source when it is saved: it must parse, its top-level code must run
   * within the limits, and it must define a function `transform`.
   * @throws ValidationError (`field: 'transform'`) naming the problem, with line and column for a
   *   syntax error.
   */
  check(source: string): void;
  /** Runs a transform on a request. Never throws; every failure is a `kind: 'error'` outcome. */
  run(source: string, request: RequestSubject): TransformOutcome;
  /** Host-level faults so far (each replaced the WebAssembly instance; see quickjs-module-slot). */
  readonly faults: number;
  /** Resolves when the sandbox can run again after a fault (at once otherwise). */
  ready(): Promise<void>;
}

export interface TransformSandboxOptions {
  /**
   * Wall time for one run (top-level code and the call), in ms. Default 1,000: wall time, so a
   * loaded machine must not fail a trivial transform (100 ms did, under a full test run).
   */
  timeoutMs?: number;
  /** QuickJS heap for one run, input included, in bytes. Default 16 MiB. */
  memoryBytes?: number;
  /**
   * QuickJS stack for one run, in bytes. Default 24 KiB: about 120 nested calls of a small
   * function. Larger values let deep recursion in QuickJS's parser and JSON code reach V8's own
   * stack limit before QuickJS's check (measured: 32 KiB already does from a moderately deep
   * host stack), which costs a fault.
   */
  stackBytes?: number;
  /** Longest source accepted, in characters. Default 64 KiB. */
  maxSourceLength?: number;
  /** Milliseconds from a fixed origin, for the time limit. Default `performance.now`. */
  clock?: () => number;
}

export const TRANSFORM_DEFAULTS = {
  timeoutMs: 1_000,
  memoryBytes: 16 * 1024 * 1024,
  stackBytes: 24 * 1024,
  maxSourceLength: 64 * 1024,
} as const;

/** Loads the QuickJS WebAssembly module (once, plus a spare) and returns the sandbox. */
export async function createTransformSandbox(options: TransformSandboxOptions = {}): Promise<TransformSandbox> {
  return new QuickJSTransformSandbox(await QuickJSModuleSlot.load(), options);
}

// Runs `transform` on the input (JSON text) and returns the result as text: 'null', 'undefined'
// or `{"r": ...}`. JSON crosses the boundary both ways: no host object or function ever enters.
const DRIVER = `(function (input) {
  const out = transform(JSON.parse(input));
  return out === null ? 'null' : out === undefined ? 'undefined' : JSON.stringify({ r: out });
})`;

type Evaluated = { ok: true; value: QuickJSHandle } | { ok: false; thrown: unknown };

class QuickJSTransformSandbox implements TransformSandbox {
  faults = 0;
  private readonly timeoutMs: number;
  private readonly memoryBytes: number;
  private readonly stackBytes: number;
  private readonly maxSourceLength: number;
  private readonly clock: () => number;

  constructor(
    private readonly slot: QuickJSModuleSlot,
    options: TransformSandboxOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? TRANSFORM_DEFAULTS.timeoutMs;
    this.memoryBytes = options.memoryBytes ?? TRANSFORM_DEFAULTS.memoryBytes;
    this.stackBytes = options.stackBytes ?? TRANSFORM_DEFAULTS.stackBytes;
    this.maxSourceLength = options.maxSourceLength ?? TRANSFORM_DEFAULTS.maxSourceLength;
    this.clock = options.clock ?? (() => performance.now());
  }

  ready(): Promise<void> {
    return this.slot.ready();
  }

  check(source: string): void {
    if (typeof source !== 'string') throw new ValidationError('transform: the source must be a string', 'transform');
    if (source.length > this.maxSourceLength) {
      throw new ValidationError(`transform: the source is longer than ${this.maxSourceLength} characters`, 'transform');
    }
    const problem = this.session((vm, limit) => {
      const top = this.evaluate(vm, () => vm.evalCode(source, SOURCE_FILE));
      if (!top.ok) return this.limitMessage(top.thrown, limit()) ?? describeThrown(top.thrown, true);
      top.value.dispose();
      const kind = this.evaluate(vm, () => vm.evalCode('typeof transform', 'hookd-check.js'));
      if (!kind.ok) return describeThrown(kind.thrown);
      const type = vm.getString(kind.value);
      kind.value.dispose();
      return type === 'function' ? undefined : 'the source must define a function transform(request)';
    });
    if (problem !== undefined) throw new ValidationError(`transform: ${problem}`, 'transform');
  }

  run(source: string, request: RequestSubject): TransformOutcome {
    if (typeof source !== 'string' || source.length > this.maxSourceLength) {
      return { kind: 'error', error: `the transform's source is longer than ${this.maxSourceLength} characters` };
    }
    let input: string;
    try {
      input = JSON.stringify(request);
    } catch (err) {
      return { kind: 'error', error: `the request cannot be passed to the transform: ${(err as Error).message}` };
    }
    const result = this.session((vm, limit): { text: string } | { error: string } => {
      const top = this.evaluate(vm, () => vm.evalCode(source, SOURCE_FILE));
      if (!top.ok) return { error: this.limitMessage(top.thrown, limit()) ?? describeThrown(top.thrown) };
      top.value.dispose();
      const driver = this.evaluate(vm, () => vm.evalCode(DRIVER, 'hookd-driver.js'));
      if (!driver.ok) return { error: this.limitMessage(driver.thrown, limit()) ?? describeThrown(driver.thrown) };
      const called = this.evaluate(vm, () => {
        const arg = vm.newString(input);
        try {
          return vm.callFunction(driver.value, vm.undefined, arg);
        } finally {
          arg.dispose();
          driver.value.dispose();
        }
      });
      if (!called.ok) {
        const text = this.limitMessage(called.thrown, limit());
        if (text) return { error: text };
        return {
          error: this.hasNoTransform(vm)
            ? 'the source defines no function transform(request)'
            : describeThrown(called.thrown),
        };
      }
      const text = vm.typeof(called.value) === 'string' ? vm.getString(called.value) : undefined;
      called.value.dispose();
      return text === undefined ? { error: 'transform returned something that is not JSON' } : { text };
    });
    if (typeof result === 'string') return { kind: 'error', error: result };
    return 'text' in result ? toTransformOutcome(result.text) : { kind: 'error', error: result.error };
  }

  /**
   * Gives `work` a fresh runtime and context under the limits, and disposes both whatever
   * happens. A host-level exception (thrown by the WebAssembly instance itself, not by the
   * transform) discards the instance. Returns `work`'s result, or a message for a fault.
   */
  private session<T>(work: (vm: QuickJSContext, interrupted: () => boolean) => T): T | string {
    const module = this.slot.module;
    if (!module) return 'the transform sandbox is restarting after a fault; the run will be tried again';
    const deadline = this.clock() + this.timeoutMs;
    let interrupted = false;
    let runtime: QuickJSRuntime | undefined;
    let vm: QuickJSContext | undefined;
    try {
      runtime = module.newRuntime();
      runtime.setMemoryLimit(this.memoryBytes);
      runtime.setMaxStackSize(this.stackBytes);
      runtime.setInterruptHandler(() => {
        interrupted = this.clock() > deadline;
        return interrupted;
      });
      vm = runtime.newContext();
      const result = work(vm, () => interrupted);
      vm.dispose();
      runtime.dispose();
      return result;
    } catch (err) {
      // Disposing after a host fault would run the broken instance again: drop it whole.
      this.faults += 1;
      this.slot.discard();
      return `the transform sandbox failed (${(err as Error).message ?? String(err)}); its instance was replaced`;
    }
  }

  /** Runs `evaluate` and dumps what it threw, disposing the error handle. */
  private evaluate(
    vm: QuickJSContext,
    evaluate: () => { value: QuickJSHandle; error?: undefined } | { error: QuickJSHandle },
  ): Evaluated {
    const result = evaluate();
    if (result.error === undefined) return { ok: true, value: result.value };
    const thrown = vm.dump(result.error);
    result.error.dispose();
    return { ok: false, thrown };
  }

  private limitMessage(thrown: unknown, interrupted: boolean): string | undefined {
    if (interrupted) return `transform exceeded ${this.timeoutMs} ms`;
    if (isOutOfMemory(thrown)) return `transform exceeded the ${formatBytes(this.memoryBytes)} memory limit`;
    if (isStackOverflow(thrown)) return `transform exceeded the stack limit (recursion too deep)`;
    return undefined;
  }

  private hasNoTransform(vm: QuickJSContext): boolean {
    const kind = this.evaluate(vm, () => vm.evalCode('typeof transform', 'hookd-check.js'));
    if (!kind.ok) return false;
    const type = vm.getString(kind.value);
    kind.value.dispose();
    return type !== 'function';
  }
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
