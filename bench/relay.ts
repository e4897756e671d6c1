/**
 * The stateless relay, run as a child process: the reference for "one extra hop and nothing
 * else". A bare node:http server takes a POST, answers 202, and forwards the body to the
 * receiver with undici over keep-alive connections, keeping nothing: no storage, no retry, no
 * signature. hookd does all of this plus persistence; the bench compares it against this.
 *
 * Usage: relay.ts <receiver origin> <receiver path>
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';
import type { ListeningMessage } from './children.js';

/** More sockets than the generator ever has requests in flight, so the relay is never pool-starved. */
const CONNECTIONS = 128;

const [origin, path] = process.argv.slice(2);
if (!origin || !path) throw new Error('usage: relay.ts <receiver origin> <receiver path>');
const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 });
let forwardErrors = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    res.writeHead(202, { 'content-length': '0' });
    res.end();
    const headers: Record<string, string> = { 'content-type': req.headers['content-type'] ?? 'application/json' };
    const seq = req.headers['x-bench-seq'];
    if (typeof seq === 'string') headers['x-bench-seq'] = seq;
    pool
      .request({ method: 'POST', path, headers, body: Buffer.concat(chunks) })
      .then((response) => response.body.dump())
      .catch((err: Error) => {
        // The receiver's count shows the loss; one line per failure would flood the terminal.
        if (forwardErrors++ === 0) console.error(`relay: forward failed: ${err.message}`);
      });
  });
});
server.keepAliveTimeout = 60_000;

process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay: no TCP address');
  process.send?.({ type: 'listening', port: address.port } satisfies ListeningMessage);
});
