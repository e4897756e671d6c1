import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived, decoded as UTF-8. */
  body: string;
  /** The body's bytes. */
  rawBody: Buffer;
  /** Header names and values in the order they arrived, repeats included: name, value, name, value... */
  rawHeaders: string[];
  receivedAt: number;
}

/**
 * How the receiver answers the n-th request (0-based): return a status to answer with it at
 * once, or return nothing and answer through `res` yourself (e.g. later, to be slow).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a responder that answers by itself returns nothing
export type Responder = (req: ReceivedRequest, n: number, res: ServerResponse) => number | void;

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `predicate` holds over the requests so far; rejects after `timeoutMs`. */
  waitFor(predicate: (requests: ReceivedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on loopback that records every request it gets. */
export async function startReceiver(respond: Responder = () => 200): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        rawBody: Buffer.concat(chunks),
        rawHeaders: req.rawHeaders,
        receivedAt: Date.now(),
      };
      requests.push(received);
      const status = respond(received, requests.length - 1, res);
      if (typeof status === 'number') res.writeHead(status).end('ok');
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(requests)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`receiver: condition not met after ${timeoutMs} ms (${requests.length} requests)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
