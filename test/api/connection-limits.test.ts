import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const REQUEST_TIMEOUT_MS = 1500;
const HEADERS_TIMEOUT_MS = 1000;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
/** Against a hang only: the server's connection check runs every 250 ms here. */
const CLOSE_WITHIN_MS = 15_000;

interface RawExchange {
  /** Everything the server wrote before it closed the connection. */
  received: string;
  /** ms from the connection's start to its close. */
  closedAfterMs: number;
}

/** A raw TCP client: `start` runs once connected; resolves when the server closes the socket. */
function rawExchange(url: string, start: (socket: Socket) => void): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    let received = '';
    const socket = connect(Number(port), hostname, () => start(socket));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', () => {}); // a reset after the answer is still a close
    socket.on('close', () => resolve({ received, closedAfterMs: Date.now() - startedAt }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${CLOSE_WITHIN_MS} ms; received ${JSON.stringify(received)}`));
    }, CLOSE_WITHIN_MS).unref();
  });
}

function statusAndBody(raw: string): { status: number; body: unknown; headers: string } {
  const [head, body] = raw.split('\r\n\r\n', 2);
  return { status: Number(head.split(' ')[1]), body: JSON.parse(body), headers: head.toLowerCase() };
}

const openDescriptors = () => readdirSync('/proc/self/fd').length;

describe('connection limits', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      httpRequestTimeoutMs: REQUEST_TIMEOUT_MS,
      httpHeadersTimeoutMs: HEADERS_TIMEOUT_MS,
      httpKeepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: 5000,
    });
    // A capture source for the /in face.
    const response = await fetch(`${server.url}/api/v1/source`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'capture', uid: 'capture' }),
    });
    expect(response.status).toBe(201);
  });
  afterAll(() => server?.close());

  it.each([
    ['/api/v1/app', 'application/json'],
    ['/in/capture', 'text/plain'],
  ])(
    'a client sending the body of %s one byte at a time is answered 408 {code, detail} and closed',
    async (path, type) => {
      let drip: NodeJS.Timeout | undefined;
      const exchange = await rawExchange(server.url, (socket) => {
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\n` +
            `Content-Type: ${type}\r\nContent-Length: 1000\r\n\r\n`,
        );
        drip = setInterval(() => socket.writable && socket.write('a'), 100);
      });
      clearInterval(drip);
      const answer = statusAndBody(exchange.received);
      expect(answer.status).toBe(408);
      expect(answer.body).toEqual({ code: 'request_timeout', detail: expect.any(String) });
      expect(answer.headers).toContain('content-type: application/json');
      // Still sending when cut: the request timeout, not the body's end, closed it.
      expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    },
  );

  it('a connection that sends nothing is answered 408 after the headers timeout and closed', async () => {
    const exchange = await rawExchange(server.url, () => {});
    expect(statusAndBody(exchange.received)).toMatchObject({ status: 408, body: { code: 'request_timeout' } });
    expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const exchange = await rawExchange(server.url, (socket) =>
      socket.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n'),
    );
    expect(exchange.received).toMatch(/^HTTP\/1\.1 204 /);
    expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 50);
  });

  it('answers the parser errors Node raises itself (431, 400) with {code, detail}', async () => {
    const huge = await rawExchange(server.url, (socket) =>
      socket.write(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(statusAndBody(huge.received)).toEqual({
      status: 431,
      body: { code: 'headers_too_large', detail: expect.any(String) },
      headers: expect.any(String),
    });
    const garbage = await rawExchange(server.url, (socket) => socket.write('NOT HTTP AT ALL\r\n\r\n'));
    expect(statusAndBody(garbage.received)).toMatchObject({ status: 400, body: { code: 'bad_request' } });
  });
});

describe('2,000 idle connections', () => {
  const HEADERS_MS = 3000;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ httpRequestTimeoutMs: HEADERS_MS, httpHeadersTimeoutMs: HEADERS_MS });
  });
  afterAll(() => server?.close());

  it('give back their descriptors once the headers timeout has passed', async () => {
    let accepted = 0;
    server.app.server.on('connection', () => accepted++);
    const before = openDescriptors();
    const { hostname, port } = new URL(server.url);
    // In batches: 2,000 SYNs at once overflow the listen backlog, and the kernel's SYN retries
    // would spread the connections over seconds.
    const lifetimes: Promise<number>[] = [];
    for (let batch = 0; batch < 8; batch++) {
      const connected = Array.from({ length: 250 }, () => {
        const socket = connect(Number(port), hostname);
        socket.on('error', () => {});
        // Read, as a client does: an unread socket never sees the server's FIN.
        socket.resume();
        return new Promise<number>((resolve) => {
          socket.on('connect', () => {
            const connectedAt = Date.now();
            lifetimes.push(new Promise((closed) => socket.on('close', () => closed(Date.now() - connectedAt))));
            resolve(connectedAt);
          });
        });
      });
      await Promise.all(connected);
    }
    const lived = await Promise.all(lifetimes);
    expect(accepted).toBe(2000);
    // Each was kept until its headers timeout, not cut at once (the cap is far away).
    expect(Math.min(...lived)).toBeGreaterThanOrEqual(HEADERS_MS - 100);
    await expect.poll(() => connectionsOf(server), { timeout: CLOSE_WITHIN_MS }).toBe(0);
    // Both ends of each connection lived in this process: all 4,000 descriptors are closed.
    await expect.poll(openDescriptors, { timeout: CLOSE_WITHIN_MS }).toBeLessThan(before + 50);
  });
});

describe('the connection cap', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ maxConnections: 3 });
  });
  afterAll(() => server?.close());

  it('closes connections over the cap at once and serves again when one ends', async () => {
    const { hostname, port } = new URL(server.url);
    const held = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<Socket>((resolve) =>
            connect(Number(port), hostname).on('connect', function (this: Socket) {
              resolve(this);
            }),
          ),
      ),
    );
    await expect.poll(() => connectionsOf(server)).toBe(3);
    const over = await rawExchange(server.url, (socket) =>
      socket.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n'),
    );
    expect(over.received).toBe('');
    for (const socket of held) socket.destroy();
    await expect.poll(() => connectionsOf(server)).toBe(0);
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(204);
  });
});

function connectionsOf(server: TestServer): Promise<number> {
  return new Promise((resolve, reject) =>
    server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}
