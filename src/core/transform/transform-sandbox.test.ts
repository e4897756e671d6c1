import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import type { RequestSubject } from '../filter/subject.js';
import { createTransformSandbox, type TransformSandbox } from './transform-sandbox.js';

const request: RequestSubject = {
  method: 'POST',
  path: '/orders',
  query: { page: '2' },
  headers: { 'content-type': 'application/json', 'x-shop': 'a' },
  body: { type: 'order.created', amount: 150 },
};

let sandbox: TransformSandbox;
beforeAll(async () => {
  sandbox = await createTransformSandbox();
});

const ok = (source: string, input: RequestSubject = request) => {
  const outcome = sandbox.run(source, input);
  if (outcome.kind !== 'request') throw new Error(`expected a request, got ${JSON.stringify(outcome)}`);
  return outcome.request;
};
const error = (source: string, input: RequestSubject = request) => {
  const outcome = sandbox.run(source, input);
  if (outcome.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.error;
};
const identity = 'function transform(request) { return request; }';

describe('TransformSandbox.run: rewriting', () => {
  it('passes the request through unchanged, JSON body re-serialized', () => {
    expect(ok(identity)).toEqual({
      method: 'POST',
      path: '/orders',
      query: { page: '2' },
      headers: { 'content-type': 'application/json', 'x-shop': 'a' },
      body: Buffer.from('{"type":"order.created","amount":150}'),
    });
  });

  it('rewrites body, headers, path, query and method', () => {
    const out = ok(`function transform(request) {
      request.body = { kind: request.body.type, cents: request.body.amount * 100 };
      request.headers['X-Added'] = 'yes';
      delete request.headers['x-shop'];
      request.path = '/v2' + request.path;
      request.query = { page: request.query.page, tag: ['a', 'b'] };
      request.method = 'PUT';
      return request;
    }`);
    expect(out.method).toBe('PUT');
    expect(out.path).toBe('/v2/orders');
    expect(out.query).toEqual({ page: '2', tag: ['a', 'b'] });
    expect(out.headers).toEqual({ 'content-type': 'application/json', 'x-added': 'yes' });
    expect(JSON.parse(out.body.toString())).toEqual({ kind: 'order.created', cents: 15000 });
  });

  it('a string body is sent as UTF-8; an object body with no content type gets application/json', () => {
    const text = ok('function transform(r) { r.body = "héllo " + r.body.type; return r; }');
    expect(text.body.toString('utf8')).toBe('héllo order.created');
    const json = ok('function transform(r) { r.headers = {}; return r; }');
    expect(json.headers['content-type']).toBe('application/json');
    const none = ok('function transform(r) { r.body = null; return r; }');
    expect(none.body.length).toBe(0);
  });

  it('a form body passed through stays form-encoded', () => {
    const form: RequestSubject = {
      ...request,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: { a: ['1', '2'], b: 'x y' },
    };
    expect(ok(identity, form).body.toString()).toBe('a=1&a=2&b=x+y');
  });

  it('const and arrow definitions of transform work too', () => {
    expect(ok('const transform = (r) => ({ ...r, method: "PATCH" });').method).toBe('PATCH');
  });

  it('returning null drops the event', () => {
    expect(sandbox.run('function transform(r) { return r.body.amount > 100 ? null : r; }', request)).toEqual({
      kind: 'drop',
    });
  });
});

describe('TransformSandbox.run: errors are outcomes', () => {
  it('a throw is an error with its message and line', () => {
    expect(error('function transform(r) {\n  const x = undefined;\n  return x.y;\n}')).toMatch(
      /^TypeError: cannot read property 'y' of undefined \(line 3\)$/,
    );
    expect(error('function transform(r) { throw new Error("nope"); }')).toBe('Error: nope (line 1)');
    expect(error('function transform(r) { throw 5; }')).toBe('threw 5');
  });

  it('returning undefined, a non-object or an invalid request is an error', () => {
    expect(error('function transform(r) { r.x = 1; }')).toMatch(/returned undefined/);
    expect(error('function transform(r) { return [r]; }')).toMatch(
      /must return the request object or null \(got an array\)/,
    );
    expect(error('function transform(r) { r.method = "GE T"; return r; }')).toMatch(/request.method must be an HTTP/);
    expect(error('function transform(r) { r.path = "orders"; return r; }')).toMatch(/request.path must be/);
    expect(error('function transform(r) { r.path = "/a?b=1"; return r; }')).toMatch(/request.path must be/);
    expect(error('function transform(r) { r.headers.n = 5; return r; }')).toBe(
      'request.headers["n"] must be a string without line breaks (got number)',
    );
    expect(error('function transform(r) { r.headers.a = "x\\r\\nevil: 1"; return r; }')).toMatch(/without line breaks/);
    expect(error('function transform(r) { r.headers["a b"] = "x"; return r; }')).toMatch(/is not a header name/);
    expect(error('function transform(r) { r.query = { a: 1 }; return r; }')).toMatch(/request.query\["a"\] must be/);
    expect(error('function transform(r) { r.body = { n: 1n }; return r; }')).toMatch(/^TypeError/);
  });

  it('no transform function is an error', () => {
    expect(error('function transfrom(r) { return r; }')).toBe('the source defines no function transform(request)');
  });

  it('an endless loop hits the time limit, and the next run works', () => {
    expect(error('function transform(r) { while (true) {} }')).toBe('transform exceeded 1000 ms');
    expect(error('while (true) {}')).toBe('transform exceeded 1000 ms');
    expect(ok(identity).method).toBe('POST');
  });

  it('an allocation past the memory limit fails, and the next run works', () => {
    // One allocation past the limit fails at once. A bomb that grows step by step can run for
    // seconds inside QuickJS's allocator before it fails (its interrupt is not polled there):
    // that case is the pool's hard limit, tested in src/inbound/transform-pool.test.ts.
    expect(error('function transform(r) { return new Array(1e8).fill(1); }')).toBe(
      'transform exceeded the 16 MiB memory limit',
    );
    expect(ok(identity).method).toBe('POST');
  });

  it('deep recursion hits the stack limit, in code and in built-ins, and the next run works', () => {
    const limit = 'transform exceeded the stack limit (recursion too deep)';
    expect(error('function transform(r) { const f = (n) => f(n + 1) + 1; return f(0); }')).toBe(limit);
    expect(error('function transform(r) { return JSON.parse("[".repeat(100000)); }')).toBe(limit);
    expect(
      error('function transform(r) { let a = []; for (let i = 0; i < 1e5; i++) a = [a]; r.body = a; return r; }'),
    ).toBe(limit);
    expect(error('function transform(r) { return eval("(".repeat(100000)); }')).toBe(limit);
    expect(ok(identity).method).toBe('POST');
    expect(sandbox.faults).toBe(0);
  });

  it('a limit is configurable', async () => {
    // One limit per sandbox: a 20 ms time limit could end the memory case first on a busy machine.
    const quick = await createTransformSandbox({ timeoutMs: 20 });
    expect(quick.run('function transform(r) { for (;;) {} }', request)).toEqual({
      kind: 'error',
      error: 'transform exceeded 20 ms',
    });
    const small = await createTransformSandbox({ memoryBytes: 2 * 1024 * 1024 });
    expect(small.run('function transform(r) { return "x".repeat(4e6); }', request)).toEqual({
      kind: 'error',
      error: 'transform exceeded the 2 MiB memory limit',
    });
  });

  it('nothing of the host is reachable and nothing is kept between runs', () => {
    const globals = ok(`function transform(r) {
      r.body = [typeof fetch, typeof setTimeout, typeof require, typeof process, typeof std, typeof os, typeof console];
      return r;
    }`);
    expect(JSON.parse(globals.body.toString())).toEqual(Array(7).fill('undefined'));
    ok('globalThis.leak = 1; Object.prototype.polluted = 1; function transform(r) { return r; }');
    const after = ok('function transform(r) { r.body = [typeof leak, typeof ({}).polluted]; return r; }');
    expect(JSON.parse(after.body.toString())).toEqual(['undefined', 'undefined']);
  });

  it('the queue keeps moving: 200 runs in a row, failures mixed in', () => {
    const sources = [
      identity,
      'function transform(r) { throw new Error("x"); }',
      'function transform(r) { return null; }',
      'function transform(r) { r.body = { i: r.body.amount + 1 }; return r; }',
    ];
    const kinds = { request: 0, drop: 0, error: 0 };
    for (let i = 0; i < 200; i++) kinds[sandbox.run(sources[i % 4], request).kind] += 1;
    expect(kinds).toEqual({ request: 100, drop: 50, error: 50 });
  });
});

describe('TransformSandbox.check', () => {
  const refused = (source: string) => {
    try {
      sandbox.check(source);
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('transform');
      return (err as ValidationError).message;
    }
    throw new Error('check accepted the source');
  };

  it('accepts a transform', () => {
    expect(() => sandbox.check(identity)).not.toThrow();
  });

  it('refuses a syntax error with its line and column', () => {
    expect(refused('function transform(r) {\n  return r +;\n}')).toMatch(
      /^transform: SyntaxError: .+ \(line 2, column \d+\)$/,
    );
  });

  it('refuses a source without a transform function, or whose top level fails', () => {
    expect(refused('function other(r) { return r; }')).toBe(
      'transform: the source must define a function transform(request)',
    );
    expect(refused('const transform = 5;')).toBe('transform: the source must define a function transform(request)');
    expect(refused('\nthrow new Error("boom");')).toMatch(/^transform: Error: boom \(line 2, column \d+\)$/);
    expect(refused('for (;;) {}')).toBe('transform: transform exceeded 1000 ms');
    expect(refused('x'.repeat(64 * 1024 + 1))).toBe('transform: the source is longer than 65536 characters');
  });
});
