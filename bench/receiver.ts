/**
 * The bench's webhook receiver, run as a child process (see receiver-client.ts): a loopback HTTP
 * server that answers 200 and stamps arrivals. Per-request work is kept to a clock read, a header
 * read and a Set insert, so that the receiver is never what a measurement measures.
 *
 * A phase counts the requests to one path, each keyed by `webhook-id` (hookd's message id) or
 * `x-bench-seq` (raw and relay load); a key seen before in any phase is a duplicate, not an
 * arrival (at-least-once delivery may repeat a message). Requests to other paths are answered and
 * counted as strays, so late requests from an earlier phase cannot complete the current one.
 *
 * A phase's `delayMs` makes the receiver a slow endpoint: each request is stamped on arrival, as
 * ever, but answered only `delayMs` later, so that a sender's requests in flight are the limit.
 */
import { createServer, type ServerResponse } from 'node:http';
import { wallNowMs } from './clock.js';
import type { ListeningMessage } from './children.js';

export interface PhaseSummary {
  path: string;
  expected: number;
  arrivals: number;
  duplicates: number;
  strays: number;
  /** Wall-clock ms of the first and last arrival; null before any. */
  firstAt: number | null;
  lastAt: number | null;
  /** `[key, arrival ms]` per arrival when the phase asked for it. */
  times?: [string, number][];
}

export type ToReceiver =
  | { type: 'phase'; path: string; expected: number; recordTimes: boolean; delayMs: number }
  | { type: 'report' }
  | { type: 'clock' };

export type FromReceiver =
  | ListeningMessage
  | { type: 'phase-started' }
  | { type: 'done'; summary: PhaseSummary }
  | { type: 'report'; summary: PhaseSummary }
  | { type: 'clock'; nowMs: number };

const send = (msg: FromReceiver) => process.send?.(msg);
const seen = new Set<string>();

let phase = { path: '', expected: 0, recordTimes: false, delayMs: 0 };
let arrivals = 0;
let duplicates = 0;
let strays = 0;
let firstAt: number | null = null;
let lastAt: number | null = null;
let times = new Map<string, number>();

function summarize(withTimes: boolean): PhaseSummary {
  const summary: PhaseSummary = {
    path: phase.path,
    expected: phase.expected,
    arrivals,
    duplicates,
    strays,
    firstAt,
    lastAt,
  };
  if (withTimes && phase.recordTimes) summary.times = [...times];
  return summary;
}

function answer(res: ServerResponse): void {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
}

const server = createServer((req, res) => {
  const at = wallNowMs();
  if (phase.delayMs > 0) setTimeout(answer, phase.delayMs, res);
  else answer(res);
  req.resume();
  if (req.url !== phase.path) {
    strays++;
    return;
  }
  const key = (req.headers['webhook-id'] ?? req.headers['svix-id'] ?? req.headers['x-bench-seq']) as string | undefined;
  if (key !== undefined) {
    if (seen.has(key)) {
      duplicates++;
      return;
    }
    seen.add(key);
    if (phase.recordTimes) times.set(key, at);
  }
  arrivals++;
  firstAt ??= at;
  lastAt = at;
  if (arrivals === phase.expected) send({ type: 'done', summary: summarize(true) });
});
// Longer than any client's idle timeout, so that the client, not the server, closes idle sockets
// (a server closing a socket that a client is about to reuse makes spurious request errors).
server.keepAliveTimeout = 60_000;

process.on('message', (msg: ToReceiver) => {
  switch (msg.type) {
    case 'phase':
      phase = { path: msg.path, expected: msg.expected, recordTimes: msg.recordTimes, delayMs: msg.delayMs };
      arrivals = duplicates = strays = 0;
      firstAt = lastAt = null;
      times = new Map();
      send({ type: 'phase-started' });
      break;
    case 'report':
      send({ type: 'report', summary: summarize(false) });
      break;
    case 'clock':
      send({ type: 'clock', nowMs: wallNowMs() });
      break;
  }
});
// The bench went away (even by SIGKILL): go too.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver: no TCP address');
  send({ type: 'listening', port: address.port });
});
