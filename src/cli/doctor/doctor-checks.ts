import { randomBytes } from 'node:crypto';
import type { ProviderSpec } from '../../core/verify/provider-spec.js';
import { CliError } from '../cli-error.js';
import { type Answer, type OutgoingRequest, sendRequest } from '../http/send-request.js';

/** What the checks run against. */
export interface DoctorTarget {
  url: string;
  secret: string;
  spec: ProviderSpec;
  concurrency: number;
  budgetMs: number;
  timeoutMs: number;
}

/** One row of the report. `pass: null` is a check that does not apply to the scheme. */
export interface CheckResult {
  name: string;
  pass: boolean | null;
  evidence: string;
}

/** Far enough past any provider's default tolerance (300 s, Slack and Stripe included). */
const SKEW_MS = 10 * 60_000;
const ONE_MIB = 1024 * 1024;

const is2xx = (answer: Answer) => answer.status >= 200 && answer.status < 300;
const is4xx = (answer: Answer) => answer.status >= 400 && answer.status < 500;
const shown = (answer: Answer) => `${answer.status} in ${Math.round(answer.durationMs)} ms`;

/** A JSON event of `bytes` bytes at least (padded), in the Standard Webhooks payload shape. */
function eventBody(bytes = 0): Buffer {
  const event = {
    type: 'hookd.doctor',
    timestamp: new Date().toISOString(),
    data: { id: `obj_${randomBytes(8).toString('hex')}`, padding: '' },
  };
  const base = Buffer.byteLength(JSON.stringify(event));
  event.data.padding = 'x'.repeat(Math.max(0, bytes - base));
  return Buffer.from(JSON.stringify(event));
}

/** Another secret in the same format, for the bad-signature check. */
function otherSecret(secret: string): string {
  return secret.startsWith('whsec_') ? `whsec_${randomBytes(24).toString('base64')}` : `${secret}-not-it`;
}

function signed(
  target: DoctorTarget,
  options: { secret?: string; atMs?: number; body?: Buffer } = {},
): OutgoingRequest {
  const unsigned = {
    method: 'POST',
    url: target.url,
    headers: [['content-type', 'application/json']] as [string, string][],
    body: options.body ?? eventBody(),
  };
  if (!target.spec.sign) throw new CliError('this provider scheme cannot be signed here', 2);
  try {
    const headers = target.spec.sign(unsigned, options.secret ?? target.secret, options.atMs ?? Date.now());
    return { ...unsigned, headers: [...unsigned.headers, ...headers] };
  } catch (err) {
    throw new CliError(`--secret: ${(err as Error).message}`, 2);
  }
}

/** Whether the scheme signs a timestamp: signatures made at different times differ in their headers. */
function signsTimestamp(target: DoctorTarget): boolean {
  const body = eventBody();
  const id: [string, string] = ['webhook-id', 'msg_doctor_probe'];
  const at = (ms: number) => {
    const request = { method: 'POST', url: target.url, headers: [id], body };
    return JSON.stringify(target.spec.sign?.(request, target.secret, ms));
  };
  return at(Date.now()) !== at(Date.now() - SKEW_MS);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Runs every check against the receiver, one after another (the latency check sends its
 * requests at once). The checks follow the Standard Webhooks spec's receiver duties: verify the
 * signature, refuse stale and future timestamps, tolerate redelivery of an id, answer fast,
 * accept large payloads, answer without redirecting.
 */
export async function runChecks(target: DoctorTarget, onProgress: (name: string) => void): Promise<CheckResult[]> {
  const send = (request: OutgoingRequest) => sendRequest(request, target.timeoutMs);
  const results: CheckResult[] = [];
  const check = async (name: string, run: () => Promise<Omit<CheckResult, 'name'>>) => {
    onProgress(name);
    results.push({ name, ...(await run()) });
  };

  let first: Answer | undefined;
  await check('accepts a correctly signed request (2xx)', async () => {
    first = await send(signed(target));
    return { pass: is2xx(first), evidence: shown(first) };
  });
  await check('rejects a bad signature (4xx)', async () => {
    const answer = await send(signed(target, { secret: otherSecret(target.secret) }));
    return { pass: is4xx(answer), evidence: `signed with another secret: ${shown(answer)}` };
  });
  const timestamped = signsTimestamp(target);
  for (const [label, offset] of [
    ['stale', -SKEW_MS],
    ['future', SKEW_MS],
  ] as const) {
    await check(`rejects a ${label} timestamp (4xx)`, async () => {
      if (!timestamped) return { pass: null, evidence: 'the scheme signs no timestamp' };
      const answer = await send(signed(target, { atMs: Date.now() + offset }));
      return {
        pass: is4xx(answer),
        evidence: `signed ${Math.abs(offset) / 60_000} min ${label === 'stale' ? 'ago' : 'ahead'}: ${shown(answer)}`,
      };
    });
  }
  await check('rejects a missing signature (4xx)', async () => {
    const answer = await send({
      method: 'POST',
      url: target.url,
      headers: [['content-type', 'application/json']],
      body: eventBody(),
    });
    return { pass: is4xx(answer), evidence: `no signature headers: ${shown(answer)}` };
  });
  await check('answers a duplicate delivery without error (2xx)', async () => {
    const request = signed(target);
    const answers = [await send(request), await send(request)];
    return { pass: answers.every(is2xx), evidence: `same id twice: ${answers.map(shown).join(', then ')}` };
  });
  await check(`answers ${target.concurrency} concurrent requests within ${target.budgetMs} ms (p99)`, async () => {
    const answers = await Promise.all(Array.from({ length: target.concurrency }, () => send(signed(target))));
    const times = answers.map((a) => a.durationMs).sort((a, b) => a - b);
    const [p50, p99] = [percentile(times, 50), percentile(times, 99)];
    const failed = answers.filter((a) => !is2xx(a)).length;
    const evidence = `p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms; ${failed} not 2xx`;
    return { pass: failed === 0 && p99 <= target.budgetMs, evidence };
  });
  await check('accepts a 1 MiB payload (2xx)', async () => {
    const answer = await send(signed(target, { body: eventBody(ONE_MIB) }));
    return { pass: is2xx(answer), evidence: `${ONE_MIB} bytes: ${shown(answer)}` };
  });
  await check('answers without a redirect (no 3xx)', async () => {
    const status = first?.status ?? 0;
    const location = first?.headers.location;
    const redirected = status >= 300 && status < 400;
    return {
      pass: !redirected,
      evidence: redirected ? `${status} to ${String(location)}: senders do not follow redirects` : `answered ${status}`,
    };
  });
  return results;
}
