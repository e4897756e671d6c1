import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo, LookupFunction, NetConnectOpts } from 'node:net';
import { createRequire } from 'node:module';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpSender, type HttpSender, type SendRequest, type SendResult } from './http-sender.js';
import type { Resolver } from './ssrf-guard.js';

/**
 * Every test talks to node:http servers on loopback. A safety net below wraps the socket
 * factories undici uses (CommonJS net/tls.connect) and throws on anything that is not loopback,
 * so even a broken guard could never send a packet to 10.x or 169.254.x from this suite; it also
 * records every dial, which is how the SSRF tests prove that no connection was attempted.
 */
const cjsRequire = createRequire(import.meta.url);
const net = cjsRequire('node:net') as typeof import('node:net');
const tls = cjsRequire('node:tls') as typeof import('node:tls');

const LOOPBACK = ['127.0.0.0/8', '::1/128'];
const isLoopback = (address: string) => /^(127\.|::1$|::ffff:127\.)/.test(address);

const dials: { host: string; via: 'net' | 'tls' }[] = [];
const dispatched: string[] = [];

function guardConnect(real: (...args: never[]) => unknown, via: 'net' | 'tls') {
  return (...args: unknown[]) => {
    const options = args[0] as NetConnectOpts & { host?: string; lookup?: LookupFunction };
    const host = options.host ?? 'localhost';
    dials.push({ host, via });
    if (net.isIP(host) && !isLoopback(host)) throw new Error(`test safety net: refusing to dial ${host}`);
    if (!net.isIP(host)) {
      const lookup = options.lookup;
      if (!lookup) throw new Error(`test safety net: ${host} would be resolved by real DNS`);
      options.lookup = ((hostname, lookupOptions, callback) =>
        lookup(hostname, lookupOptions, (err, address, family) => {
          const addresses = typeof address === 'string' ? [address] : (address ?? []).map((a) => a.address);
          if (!err && addresses.some((a) => !isLoopback(a))) {
            callback(new Error(`test safety net: refusing to dial ${addresses.join(', ')}`), '', 0);
          } else {
            callback(err, address, family);
          }
        })) as LookupFunction;
    }
    return (real as (...a: unknown[]) => unknown).apply(via === 'net' ? net : tls, args);
  };
}

const onRequestCreate = (message: unknown) => {
  const { request } = message as { request: { origin: string } };
  dispatched.push(String(request.origin));
};

beforeAll(() => {
  const [netConnect, tlsConnect] = [net.connect, tls.connect]; // before spyOn replaces them
  vi.spyOn(net, 'connect').mockImplementation(guardConnect(netConnect, 'net') as typeof net.connect);
  vi.spyOn(tls, 'connect').mockImplementation(guardConnect(tlsConnect, 'tls') as typeof tls.connect);
  diagnosticsChannel.subscribe('undici:request:create', onRequestCreate);
});

afterAll(() => {
  vi.restoreAllMocks();
  diagnosticsChannel.unsubscribe('undici:request:create', onRequestCreate);
});

interface TestServer {
  port: number;
  url: string;
  connections: number;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  /** Called with each request and its body as bytes, when set. */
  onRaw?: (req: IncomingMessage, body: Buffer) => void;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const senders: HttpSender[] = [];

/** A loopback HTTP server that records connections and requests, then runs `respond`. */
async function startServer(
  respond: (req: IncomingMessage, res: ServerResponse) => void,
  host = '127.0.0.1',
): Promise<TestServer> {
  const handler: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      server_.onRaw?.(req, bytes);
      server_.requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: bytes.toString('utf8') });
      respond(req, res);
    });
  };
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const server_: TestServer = {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => server_.connections++);
  servers.push(server_);
  return server_;
}

function sender(o: Partial<Parameters<typeof createHttpSender>[0]> = {}): HttpSender {
  const s = createHttpSender({ timeoutMs: 2_000, allowedNetworks: LOOPBACK, ...o });
  senders.push(s);
  return s;
}

/** A resolver that answers from a table and records what it was asked. */
function fakeResolver(table: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: (net.isIP(address) === 6 ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(resolve, { calls });
}

const post = (url: string, body = '{"ok":true}'): SendRequest => ({
  method: 'POST',
  url,
  headers: [['content-type', 'application/json']],
  body: Buffer.from(body),
});

function expectRefused(result: SendResult, detail: RegExp) {
  expect(result).toMatchObject({ kind: 'error', error: 'refused' });
  expect((result as { detail: string }).detail).toMatch(detail);
}

beforeEach(() => {
  dials.length = 0;
  dispatched.length = 0;
});

afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('createHttpSender: responses', () => {
  it('POSTs the headers and body as given and captures a 2xx response', async () => {
    const server = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'));
    const result = await sender().send({
      url: `${server.url}/hooks/in?tenant=1#fragment`,
      method: 'POST',
      headers: [
        ['content-type', 'application/json'],
        ['webhook-id', 'msg_1'],
      ],
      body: Buffer.from('{"amount":4200,"currency":"€"}'),
    });
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, body: 'thanks', retryAfterSeconds: null });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({
      method: 'POST',
      url: '/hooks/in?tenant=1',
      body: '{"amount":4200,"currency":"€"}',
    });
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      host: `127.0.0.1:${server.port}`,
    });
    expect(dials.map((d) => d.host)).toEqual(['127.0.0.1']); // the safety net saw the dial
  });

  it('sends its own method, a binary body byte for byte, and headers in order with repeats', async () => {
    const received: { method: string; rawHeaders: string[]; body: Buffer }[] = [];
    const server = await startServer((_req, res) => res.writeHead(204).end());
    server.onRaw = (req, body) => received.push({ method: req.method!, rawHeaders: req.rawHeaders, body });
    // Not valid UTF-8: a string round trip anywhere would turn these into U+FFFD.
    const body = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x0a]);
    const result = await sender().send({
      method: 'PUT',
      url: `${server.url}/raw?a=1&a=2`,
      headers: [
        ['x-b', '2'],
        ['X-A', '1'],
        ['x-b', '3'],
        ['content-type', 'application/octet-stream'],
      ],
      body,
    });
    expect(result).toMatchObject({ kind: 'response', statusCode: 204 });
    expect(received).toHaveLength(1);
    expect(received[0].method).toBe('PUT');
    expect(received[0].body.equals(body)).toBe(true);
    const pairs: [string, string][] = [];
    for (let i = 0; i < received[0].rawHeaders.length; i += 2)
      pairs.push([received[0].rawHeaders[i], received[0].rawHeaders[i + 1]]);
    const own = pairs.filter(([name]) => !['host', 'connection', 'content-length'].includes(name.toLowerCase()));
    expect(own).toEqual([
      ['x-b', '2'],
      ['X-A', '1'],
      ['x-b', '3'],
      ['content-type', 'application/octet-stream'],
    ]);
    expect(pairs.find(([name]) => name.toLowerCase() === 'content-length')?.[1]).toBe(String(body.length));
    expect(server.requests[0].url).toBe('/raw?a=1&a=2');
  });

  it('sends a GET without a body', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end('got'));
    const result = await sender().send({ method: 'GET', url: server.url, headers: [], body: Buffer.alloc(0) });
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, body: 'got' });
    expect(server.requests[0]).toMatchObject({ method: 'GET', body: '' });
    expect(server.requests[0].headers['content-length']).toBeUndefined();
  });

  it('captures a 500 and its body', async () => {
    const server = await startServer((_req, res) => res.writeHead(500).end('{"error":"boom"}'));
    const result = await sender().send(post(server.url));
    expect(result).toMatchObject({ kind: 'response', statusCode: 500, body: '{"error":"boom"}' });
  });

  it('does not follow a redirect: the 302 is the response', async () => {
    const target = await startServer((_req, res) => res.writeHead(200).end('followed'));
    const redirecting = await startServer((_req, res) =>
      res.writeHead(302, { location: `${target.url}/elsewhere` }).end(),
    );
    expect(await sender().send(post(redirecting.url))).toMatchObject({ kind: 'response', statusCode: 302, body: '' });
    expect(target.requests).toHaveLength(0);
    expect(target.connections).toBe(0);
  });

  it('reads Retry-After as delta-seconds or an HTTP date', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/date') res.writeHead(503, { 'retry-after': 'Fri, 01 Mar 2024 12:02:00 GMT' }).end();
      else res.writeHead(429, { 'retry-after': '120' }).end();
    });
    const s = sender({ now: () => Date.parse('2024-03-01T12:00:00Z') });
    expect(await s.send(post(`${server.url}/delta`))).toMatchObject({ statusCode: 429, retryAfterSeconds: 120 });
    expect(await s.send(post(`${server.url}/date`))).toMatchObject({ statusCode: 503, retryAfterSeconds: 120 });
  });

  it('keeps the connection alive across sequential sends', async () => {
    const server = await startServer((_req, res) => res.writeHead(204).end());
    const s = sender();
    for (let i = 0; i < 20; i++) expect(await s.send(post(server.url))).toMatchObject({ statusCode: 204 });
    expect(server.requests).toHaveLength(20);
    expect(server.connections).toBe(1);
    expect(dials).toHaveLength(1);
  });

  it('sends concurrent requests over a pool of connections', async () => {
    const server = await startServer((_req, res) => setTimeout(() => res.writeHead(200).end('ok'), 20));
    const s = sender();
    const many = await Promise.all(Array.from({ length: 50 }, () => s.send(post(server.url))));
    expect(many.every((r) => r.kind === 'response' && r.statusCode === 200)).toBe(true);
    expect(server.connections).toBeGreaterThan(1);
    expect(server.connections).toBeLessThanOrEqual(50);
  });
});

describe('createHttpSender: limits', () => {
  it('times out a server that never answers, within timeoutMs', async () => {
    const server = await startServer(() => {
      /* never respond */
    });
    const startedAt = performance.now();
    const result = await sender({ timeoutMs: 200 }).send(post(server.url));
    const elapsedMs = performance.now() - startedAt;
    expect(result).toMatchObject({ kind: 'error', error: 'timeout' });
    expect(elapsedMs).toBeGreaterThanOrEqual(190);
    expect(elapsedMs).toBeLessThan(1_000);
    expect(server.requests).toHaveLength(1);
  });

  it('counts the body in the timeout: headers then a stalled body is a timeout', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      // and never end
    });
    const startedAt = performance.now();
    const result = await sender({ timeoutMs: 200 }).send(post(server.url));
    expect(result).toMatchObject({ kind: 'error', error: 'timeout' });
    expect(performance.now() - startedAt).toBeLessThan(1_000);
  });

  it('truncates a big response to maxResponseBytes', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end('x'.repeat(1024 * 1024)));
    const result = await sender({ maxResponseBytes: 1000 }).send(post(server.url));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200 });
    expect((result as { body: string }).body).toBe('x'.repeat(1000));
  });

  it('stops reading an endless response at maxResponseBytes instead of buffering it', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200);
      const chunk = 'y'.repeat(16 * 1024);
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => clearInterval(timer));
    });
    const result = await sender({ timeoutMs: 5_000, maxResponseBytes: 64 * 1024 }).send(post(server.url));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200 });
    expect((result as { body: string }).body).toHaveLength(64 * 1024);
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('keeps a body of exactly maxResponseBytes whole, and defaults to 64 KiB', async () => {
    const server = await startServer((req, res) =>
      res.writeHead(200).end('z'.repeat(req.url === '/big' ? 100_000 : 500)),
    );
    expect(await sender({ maxResponseBytes: 500 }).send(post(server.url))).toMatchObject({ body: 'z'.repeat(500) });
    const result = await sender().send(post(`${server.url}/big`));
    expect((result as { body: string }).body).toHaveLength(64 * 1024);
  });

  it('reports a refused port as a connection error', async () => {
    const server = await startServer(() => {});
    await server.close();
    const result = await sender().send(post(server.url));
    expect(result).toMatchObject({ kind: 'error', error: 'connection' });
    expect((result as { detail: string }).detail).toMatch(/ECONNREFUSED/);
  });

  it('reports a connection the server drops as a connection error', async () => {
    const server = await startServer((req) => req.socket.destroy());
    expect(await sender().send(post(server.url))).toMatchObject({ kind: 'error', error: 'connection' });
  });

  it('never throws: a bad URL or a header undici rejects become results', async () => {
    const s = sender();
    expectRefused(await s.send(post('not a url')), /not a valid URL/);
    expectRefused(await s.send(post('ftp://127.0.0.1/')), /http or https/);
    const server = await startServer((_req, res) => res.end());
    const result = await s.send({
      method: 'POST',
      url: server.url,
      headers: [['x-bad', 'a\r\nb']],
      body: Buffer.alloc(0),
    });
    expect(result).toMatchObject({ kind: 'error', error: 'connection' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('createHttpSender: SSRF guard', () => {
  it('refuses loopback when it is not allowed, before connecting', async () => {
    const server = await startServer((_req, res) => res.end('should not happen'));
    const resolve = fakeResolver({});
    const s = sender({ allowedNetworks: [], resolve });
    const expected = /^endpoint URL points to a private or reserved address \(127\.0\.0\.1\).*HOOKD_ALLOWED_NETWORKS$/;
    expectRefused(await s.send(post(`${server.url}/`)), expected);
    expectRefused(await s.send(post(`http://0x7f000001:${server.port}/`)), /\(127\.0\.0\.1\)/);
    expectRefused(await s.send(post(`http://2130706433:${server.port}/`)), /\(127\.0\.0\.1\)/);
    expectRefused(await s.send(post(`http://[::1]:${server.port}/`)), /\(::1\)/);
    expectRefused(await s.send(post(`http://[::ffff:127.0.0.1]:${server.port}/`)), /\(::ffff:7f00:1\)/);
    // A URL's verdict is kept: sent again, it is refused again.
    expectRefused(await s.send(post(`${server.url}/`)), expected);
    expect(server.connections).toBe(0);
    expect(resolve.calls).toEqual([]);
    expect(dials).toEqual([]);
    expect(dispatched).toEqual([]);
  });

  it.each([
    'http://10.0.0.1/',
    'http://10.0.0.1:8080/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://0251.0376.0251.0376/latest/meta-data',
    'http://[::ffff:169.254.169.254]/latest/meta-data',
    'http://192.168.1.1/',
    'http://100.100.100.200/latest/meta-data', // Alibaba Cloud metadata, CGNAT range
    'http://[fd00:ec2::254]/latest/meta-data', // AWS IPv6 metadata
    'https://0.0.0.0/',
  ])('refuses %s without resolving, dispatching or dialing', async (url) => {
    const resolve = fakeResolver({});
    const result = await sender({ allowedNetworks: LOOPBACK, resolve }).send(post(url));
    expectRefused(result, /private or reserved address/);
    expect(resolve.calls).toEqual([]);
    expect(dispatched).toEqual([]);
    expect(dials).toEqual([]);
  });

  it('refuses a host name that resolves to a private address, before connecting', async () => {
    const server = await startServer((_req, res) => res.end('should not happen'));
    const resolve = fakeResolver({ 'internal.test': ['127.0.0.1'], 'metadata.test': ['169.254.169.254'] });
    const s = sender({ allowedNetworks: [], resolve });
    const result = await s.send(post(`http://internal.test:${server.port}/`));
    expectRefused(result, /internal\.test resolves to a private or reserved address \(127\.0\.0\.1\)/);
    expectRefused(await s.send(post('http://metadata.test/latest/meta-data')), /\(169\.254\.169\.254\)/);
    expect(resolve.calls).toEqual(['internal.test', 'metadata.test']);
    expect(server.connections).toBe(0);
  });

  it('dials exactly the address the resolver gave and the guard checked, keeping the host name', async () => {
    const server = await startServer((_req, res) => res.end('pinned'));
    const resolve = fakeResolver({ 'internal.test': ['127.0.0.1'] });
    const s = sender({ allowedNetworks: ['127.0.0.0/8'], resolve });
    for (let i = 0; i < 3; i++) {
      expect(await s.send(post(`http://internal.test:${server.port}/x`))).toMatchObject({
        statusCode: 200,
        body: 'pinned',
      });
    }
    expect(server.requests[0].headers.host).toBe(`internal.test:${server.port}`);
    // One connection, one resolution: pooled sockets were checked when they connected.
    expect(resolve.calls).toEqual(['internal.test']);
    expect(server.connections).toBe(1);
  });

  it('dials only the checked addresses of a mixed answer', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const resolve = fakeResolver({ 'mixed.test': ['10.0.0.1', '169.254.169.254', '127.0.0.1'] });
    const s = sender({ allowedNetworks: ['127.0.0.0/8'], resolve });
    // The safety net throws if 10.0.0.1 or 169.254.169.254 reach the socket.
    expect(await s.send(post(`http://mixed.test:${server.port}/`))).toMatchObject({ statusCode: 200, body: 'ok' });
    expect(server.connections).toBe(1);
  });

  it('re-checks a new connection: a changed DNS answer is refused (rebinding)', async () => {
    const server = await startServer((_req, res) => res.writeHead(200, { connection: 'close' }).end('ok'));
    let answer = '127.0.0.1';
    const calls: string[] = [];
    const resolve: Resolver = async (hostname) => {
      calls.push(hostname);
      return [{ address: answer, family: 4 }];
    };
    const s = sender({ allowedNetworks: ['127.0.0.0/8'], resolve });
    expect(await s.send(post(`http://rebind.test:${server.port}/`))).toMatchObject({ statusCode: 200 });
    answer = '169.254.169.254';
    expectRefused(await s.send(post(`http://rebind.test:${server.port}/`)), /\(169\.254\.169\.254\)/);
    expect(calls).toEqual(['rebind.test', 'rebind.test']);
    expect(server.connections).toBe(1);
  });

  it('reports a name that does not resolve as a connection error', async () => {
    const s = sender({ resolve: fakeResolver({}) });
    const result = await s.send(post('http://nowhere.test/'));
    expect(result).toMatchObject({ kind: 'error', error: 'connection' });
    expect((result as { detail: string }).detail).toMatch(/ENOTFOUND/);
    const empty = await sender({ resolve: async () => [] }).send(post('http://empty.test/'));
    expect(empty).toMatchObject({ error: 'connection' });
  });

  it('uses the host name for TLS SNI while dialing the checked address', async () => {
    const serverNames: string[] = [];
    const tlsServer = createTlsServer({
      SNICallback: (servername, callback) => {
        serverNames.push(servername);
        callback(new Error('no certificate in this test'));
      },
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (tlsServer.address() as AddressInfo).port;
      const s = sender({ allowedNetworks: ['127.0.0.0/8'], resolve: fakeResolver({ 'secure.test': ['127.0.0.1'] }) });
      expect(await s.send(post(`https://secure.test:${port}/`))).toMatchObject({ kind: 'error', error: 'connection' });
      expect(serverNames).toEqual(['secure.test']);
      expect(dials).toEqual([{ host: 'secure.test', via: 'tls' }]);
    } finally {
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
  });

  it('reaches an allowed IPv6 loopback literal', async (context) => {
    let server: TestServer;
    try {
      server = await startServer((_req, res) => res.end('v6'), '::1');
    } catch {
      context.skip('no IPv6 loopback on this machine');
      return;
    }
    const result = await sender({ allowedNetworks: ['::1/128'] }).send(post(`${server.url}/`));
    expect(result).toMatchObject({ statusCode: 200, body: 'v6' });
  });
});
