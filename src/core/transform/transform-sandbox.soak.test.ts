import { describe, expect, it } from 'vitest';
import type { RequestSubject } from '../filter/subject.js';
import { createTransformSandbox } from './transform-sandbox.js';

const request: RequestSubject = {
  method: 'POST',
  path: '/orders',
  query: {},
  headers: { 'content-type': 'application/json' },
  body: { type: 'order.created', amount: 150, items: [{ sku: 'A1' }, { sku: 'B2' }] },
};
const small = 'function transform(r) { r.body = { kind: r.body.type, n: r.body.items.length }; return r; }';

describe('TransformSandbox over many runs', () => {
  it('2,000 runs (errors included) leave no QuickJS memory behind in the host', async () => {
    const sandbox = await createTransformSandbox();
    const sources = [
      small,
      'function transform(r) { throw new TypeError("bad"); }',
      'function transform(r) { return null; }',
    ];
    const runs = (n: number) => {
      for (let i = 0; i < n; i++) sandbox.run(sources[i % 3], request);
    };
    runs(200);
    globalThis.gc?.();
    const before = process.memoryUsage();
    const started = performance.now();
    runs(2000);
    const perRunUs = ((performance.now() - started) * 1000) / 2000;
    globalThis.gc?.();
    const after = process.memoryUsage();
    const growthMiB = (after.rss - before.rss) / 2 ** 20;
    console.info(`transform sandbox: ${perRunUs.toFixed(0)} µs per run, RSS growth ${growthMiB.toFixed(1)} MiB`);
    // A leaked runtime keeps at least its context (~100 KiB of QuickJS heap): 2,000 of them would
    // be ~200 MiB. Allocator and JIT noise on the host stays well under 32 MiB.
    expect(growthMiB).toBeLessThan(32);
    expect(sandbox.run(small, request).kind).toBe('request');
  });

  it('a host-level fault replaces the WebAssembly instance and the next run works', async () => {
    const sandbox = await createTransformSandbox({ stackBytes: 1024 * 1024 });
    // With a QuickJS stack limit above what V8's stack holds, deep recursion overflows V8's stack
    // inside the instance first: the fault the spare instance exists for.
    const outcome = sandbox.run('function transform(r) { const f = (n) => f(n + 1) + 1; return f(0); }', request);
    expect(outcome).toMatchObject({ kind: 'error', error: expect.stringMatching(/its instance was replaced/) });
    expect(sandbox.faults).toBe(1);
    expect(sandbox.run(small, request).kind).toBe('request');
    await sandbox.ready();
    expect(sandbox.run(small, request).kind).toBe('request');
  });
});
