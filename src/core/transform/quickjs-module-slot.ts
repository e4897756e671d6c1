import releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';

/**
 * The QuickJS WebAssembly instance the sandbox runs on, and a spare.
 *
 * Why a spare: QuickJS checks its own stack limit, but the WebAssembly frames also use the host's
 * (V8's) stack, and on a host that is already deep in its own calls a construct QuickJS does not
 * count finely (the parser on `((((...`, for one) can overflow V8's stack first. V8 then unwinds
 * through the instance, which leaves its memory (allocator, shadow stack) inconsistent: the
 * instance must never be used again. Loading an instance is asynchronous while `run` is
 * synchronous, so a spare is kept loaded and swapped in at once; a new spare loads in the
 * background. Each instance costs its WebAssembly memory (a few MiB, growing to the memory limit).
 */
export class QuickJSModuleSlot {
  private spare: QuickJSWASMModule | undefined;
  private loading: Promise<void> | undefined;

  private constructor(private current: QuickJSWASMModule | undefined) {}

  static async load(): Promise<QuickJSModuleSlot> {
    const slot = new QuickJSModuleSlot(await loadModule());
    slot.refill();
    await slot.loading;
    return slot;
  }

  /** The instance to use now; `undefined` only between a fault and the end of a reload. */
  get module(): QuickJSWASMModule | undefined {
    return this.current;
  }

  /** Drops the current instance (after a fault) for the spare, and loads a new spare. */
  discard(): void {
    this.current = this.spare;
    this.spare = undefined;
    this.refill();
  }

  /** Resolves when an instance and a spare are loaded (after a fault, when both are back). */
  async ready(): Promise<void> {
    while (this.loading) await this.loading;
  }

  private refill(): void {
    if (this.loading || (this.current && this.spare)) return;
    this.loading = loadModule().then(
      (module) => {
        this.loading = undefined;
        if (this.current) this.spare = module;
        else this.current = module;
        this.refill();
      },
      () => {
        // The WASM file is part of an installed package: failing to load it again after it
        // loaded once is not expected; the next fault tries again.
        this.loading = undefined;
      },
    );
  }
}

async function loadModule(): Promise<QuickJSWASMModule> {
  // The package's types describe its CommonJS build, where the variant is `exports.default`;
  // under ESM (ours) the default import is the variant itself.
  const module = await newQuickJSWASMModuleFromVariant(releaseSync as unknown as QuickJSSyncVariant);
  warmUp(module);
  return module;
}

/**
 * V8 compiles WebAssembly functions lazily: the first run on a new instance took ~100 ms
 * (measured), enough to break a transform's time limit. One run of the paths a transform takes
 * (parse, call, JSON both ways) at load time moves that cost out of the first real run.
 */
function warmUp(module: QuickJSWASMModule): void {
  const vm = module.newContext();
  try {
    const result = vm.evalCode(
      'function f(r) { r.b = [1, "x", { y: null }].map((v) => v); return r; } JSON.stringify(f(JSON.parse("{\\"a\\":1}")))',
    );
    (result.error ?? result.value).dispose();
  } finally {
    vm.dispose();
  }
}
