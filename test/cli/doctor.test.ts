import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

/**
 * `hookd doctor` against four loopback receivers: a correct one (the standardwebhooks package's
 * verify), one that checks nothing, one that checks the signature but not the timestamp, and a
 * correct one that takes 3 s to answer (against a 300 ms budget: ten times over).
 */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const webhook = new Webhook(SECRET);
const SLOW_MS = 3000;

type Check = (req: IncomingMessage, body: string) => boolean;
const header = (req: IncomingMessage, name: string) => String(req.headers[name] ?? '');

const verifies: Check = (req, body) => {
  try {
    webhook.verify(body, req.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};
/** The signature recomputed over the request's own timestamp, which is never compared with now. */
const signatureOnly: Check = (req, body) => {
  const id = header(req, 'webhook-id');
  const timestamp = Number(header(req, 'webhook-timestamp'));
  if (!id || !Number.isInteger(timestamp)) return false;
  const expected = webhook.sign(id, new Date(timestamp * 1000), body);
  return header(req, 'webhook-signature').split(' ').includes(expected);
};

const servers: Server[] = [];
async function receiver(check: Check, delayMs = 0): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = check(req, Buffer.concat(chunks).toString('utf8')) ? 204 : 400;
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
}

let urls: Record<'correct' | 'open' | 'timeless' | 'slow', string>;
beforeAll(async () => {
  urls = {
    correct: await receiver(verifies),
    open: await receiver(() => true),
    timeless: await receiver(signatureOnly),
    slow: await receiver(verifies, SLOW_MS),
  };
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function doctor(url: string, extra: string[] = []) {
  const run = await runCli(['doctor', url, '--secret', SECRET, '--concurrency', '4', '--json', ...extra]);
  const report = JSON.parse(run.stdout) as {
    ok: boolean;
    checks: { name: string; pass: boolean | null; evidence: string }[];
  };
  const failed = report.checks.filter((c) => c.pass === false).map((c) => c.name);
  return { run, report, failed };
}

describe('hookd doctor', () => {
  it('passes every check of a correct receiver (exit 0)', async () => {
    const { run, report, failed } = await doctor(urls.correct);
    expect(failed).toEqual([]);
    expect(report.checks).toHaveLength(9);
    expect(report.checks.every((c) => c.pass === true)).toBe(true);
    expect(run.code).toBe(0);
  });

  it('fails the signature and timestamp checks of a receiver that checks nothing (exit 1)', async () => {
    const { run, failed } = await doctor(urls.open);
    expect(failed).toEqual([
      'rejects a bad signature (4xx)',
      'rejects a stale timestamp (4xx)',
      'rejects a future timestamp (4xx)',
      'rejects a missing signature (4xx)',
    ]);
    expect(run.code).toBe(1);
  });

  it('fails only the timestamp checks of a receiver that ignores timestamps', async () => {
    const { run, failed, report } = await doctor(urls.timeless);
    expect(failed).toEqual(['rejects a stale timestamp (4xx)', 'rejects a future timestamp (4xx)']);
    expect(report.checks.find((c) => c.name.startsWith('rejects a stale'))?.evidence).toMatch(/10 min ago: 204/);
    expect(run.code).toBe(1);
  });

  it('fails only the latency check of a slow receiver', async () => {
    const { run, failed, report } = await doctor(urls.slow, ['--budget-ms', '300']);
    expect(failed).toEqual(['answers 4 concurrent requests within 300 ms (p99)']);
    const latency = report.checks.find((c) => c.name.startsWith('answers 4'));
    const p99 = Number(/p99 (\d+) ms/.exec(latency?.evidence ?? '')?.[1]);
    expect(p99).toBeGreaterThanOrEqual(SLOW_MS);
    expect(run.code).toBe(1);
  });

  it('prints a table on a non-terminal without colour codes', async () => {
    const run = await runCli(['doctor', urls.open, '--secret', SECRET, '--concurrency', '2']);
    expect(run.stdout).toMatch(/^PASS {2}accepts a correctly signed request \(2xx\) +204 in \d+ ms$/m);
    expect(run.stdout).toMatch(/^FAIL {2}rejects a bad signature \(4xx\) +signed with another secret: 204/m);
    expect(run.stdout).toMatch(/^4 check\(s\) failed$/m);
    expect(run.stdout.includes('\u001b[')).toBe(false);
  });
});
