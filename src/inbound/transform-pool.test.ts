import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import type { RequestSubject } from '../core/filter/subject.js';
import { createTransformPool, type TransformPool } from './transform-pool.js';

const subject: RequestSubject = {
  method: 'POST',
  path: '/orders',
  query: {},
  headers: { 'content-type': 'application/json' },
  body: { amount: 150 },
};
const identity = 'function transform(request) { return request; }';
// Slow built-ins near the memory limit: QuickJS polls its time limit every ~10,000 bytecode steps,
// which these reach only after many seconds (measured 14–37 s and 9–15 s on the main thread).
const MEMORY_BOMB = 'let a = []; for (;;) a.push(new Array(1e6).fill(1));';
const REPEAT_LOOP = 'let a = []; for (;;) a.push("x".repeat(1e5) + a.length);';
const TICK_MS = 20;

async function refusal(pool: TransformPool, source: string): Promise<ValidationError> {
  const error = await pool.check(source).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).field).toBe('transform');
  return error as ValidationError;
}

/**
 * Runs `source` while the main thread counts ticks of a TICK_MS interval. A run that blocked the
 * main thread would let at most one tick through (timers fire late, once, after the block).
 */
async function runCountingTicks(pool: TransformPool, source: string) {
  let ticks = 0;
  const interval = setInterval(() => ticks++, TICK_MS);
  try {
    const outcome = await pool.run(source, subject);
    return { outcome, ticks };
  } finally {
    clearInterval(interval);
  }
}

describe('TransformPool with the default limits', () => {
  let pool: TransformPool;
  beforeAll(async () => {
    pool = await createTransformPool();
  });
  afterAll(() => pool.close());

  it('runs a transform on a worker thread: the rewritten request, its body a Buffer again', async () => {
    const outcome = await pool.run(
      'function transform(r) { r.body = { cents: r.body.amount * 100 }; return r; }',
      subject,
    );
    expect(outcome.kind).toBe('request');
    const { body } = outcome.kind === 'request' ? outcome.request : { body: null };
    expect(Buffer.isBuffer(body)).toBe(true);
    expect(JSON.parse(String(body))).toEqual({ cents: 15000 });
    expect(await pool.run('function transform(r) { return null; }', subject)).toEqual({ kind: 'drop' });
    expect(await pool.run('function transform(r) { throw new Error("no"); }', subject)).toMatchObject({
      kind: 'error',
      error: expect.stringContaining('Error: no'),
    });
  });

  it('checks on a worker thread: accepts a transform, refuses with the problem as a ValidationError', async () => {
    await expect(pool.check(identity)).resolves.toBeUndefined();
    expect((await refusal(pool, 'function transform(r) { return r')).message).toMatch(/^transform: SyntaxError/);
    expect((await refusal(pool, 'const x = 1;')).message).toBe(
      'transform: the source must define a function transform(request)',
    );
  });

  it.each([
    ['the memory bomb', MEMORY_BOMB],
    ['the "x".repeat loop', REPEAT_LOOP],
  ])('%s ends as an error while the main thread keeps running, and the next run works', async (_, bomb) => {
    const { outcome, ticks } = await runCountingTicks(pool, `function transform(r) { ${bomb} }`);
    // The hard limit (1 s) on this machine; the sandbox's memory limit where QuickJS is fast enough.
    expect(outcome).toMatchObject({ kind: 'error', error: expect.stringMatching(/^transform exceeded/) });
    expect(ticks).toBeGreaterThanOrEqual(3);
    expect((await pool.run(identity, subject)).kind).toBe('request');
  });

  it('refuses a bomb at the top level of a source when it is saved', async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, TICK_MS);
    const error = await refusal(pool, `${MEMORY_BOMB}\nfunction transform(r) { return r; }`).finally(() =>
      clearInterval(interval),
    );
    expect(error.message).toMatch(/^transform: transform exceeded/);
    expect(ticks).toBeGreaterThanOrEqual(3);
    await expect(pool.check(identity)).resolves.toBeUndefined();
  });
});

describe('TransformPool: the hard limit', () => {
  // The sandbox's own limit far above the hard limit: only the hard limit can end these runs.
  let pool: TransformPool;
  beforeAll(async () => {
    pool = await createTransformPool({ threads: 1, timeoutMs: 600_000, hardLimitMs: 2_000 });
  });
  afterAll(() => pool.close());

  it('stops the thread of a run past it, and the next run works on a new thread', async () => {
    const { outcome, ticks } = await runCountingTicks(pool, 'function transform(r) { for (;;) {} }');
    expect(outcome).toEqual({
      kind: 'error',
      error: 'transform exceeded the hard limit of 2000 ms (its thread was stopped)',
    });
    expect(ticks).toBeGreaterThanOrEqual(3);
    expect((await pool.run(identity, subject)).kind).toBe('request');
  });

  it('refuses a check past it', async () => {
    expect((await refusal(pool, 'for (;;) {}')).message).toBe(
      'transform: transform exceeded the hard limit of 2000 ms (its thread was stopped)',
    );
    await expect(pool.check(identity)).resolves.toBeUndefined();
  });

  it("counts a task's time on a thread only: runs queued behind a stopped one work", async () => {
    // One thread: these wait behind the endless loop, then behind the new thread's start.
    const stuck = pool.run('function transform(r) { for (;;) {} }', subject);
    const queued = Array.from({ length: 5 }, () => pool.run(identity, subject));
    expect((await stuck).kind).toBe('error');
    expect((await Promise.all(queued)).map((outcome) => outcome.kind)).toEqual(Array(5).fill('request'));
  });

  it('after close, a run is an error and a check rejects', async () => {
    const closing = await createTransformPool({ threads: 1 });
    await closing.close();
    expect(await closing.run(identity, subject)).toEqual({
      kind: 'error',
      error: "the transform's worker thread failed (the transform pool is closed)",
    });
    await expect(closing.check(identity)).rejects.toThrow('the transform pool is closed');
  });
});
