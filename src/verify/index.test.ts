import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign as signGithub } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  fromNodeRequest,
  fromWebRequest,
  ValidationError,
  verifyApiKey,
  verifyGithub,
  verifySquare,
  verifyStripe,
} from './index.js';

/** The receiver-facing library: per-provider functions and the request adapters, over real HTTP. */

const stripe = new Stripe('sk_test_not_used');
const BODY = '{"id":"evt_9","type":"charge.succeeded","note":"héllo"}';

describe('per-provider functions', () => {
  it('verifyStripe takes one secret or several, and a clock', async () => {
    const now = 1_700_000_000_000;
    const header = stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret: 'whsec_b',
      timestamp: now / 1000,
    });
    const request = {
      method: 'POST',
      url: 'https://a.example/',
      headers: [['Stripe-Signature', header]] as const,
      body: Buffer.from(BODY),
    };
    expect(await verifyStripe(request, 'whsec_b', { now })).toEqual({ ok: true, deliveryId: 'evt_9' });
    expect(await verifyStripe(request, ['whsec_a', 'whsec_b'], { now })).toEqual({ ok: true, deliveryId: 'evt_9' });
    expect(await verifyStripe(request, 'whsec_b', { now: now + 3_600_000 })).toMatchObject({
      ok: false,
      cause: 'timestamp_out_of_window',
    });
    expect(await verifyStripe(request, 'whsec_b', { now: now + 3_600_000, toleranceSeconds: 7200 })).toMatchObject({
      ok: true,
    });
  });

  it('throws ValidationError for a bad option (configuration), not for a bad request', async () => {
    const request = { method: 'POST', url: 'https://a.example/', headers: [], body: Buffer.from('') };
    await expect(verifySquare(request, 'k', { notificationUrl: 'nope' })).rejects.toThrow(ValidationError);
    await expect(verifyGithub(request, [])).rejects.toThrow(/needs at least one secret/);
    expect(await verifyGithub(request, 's')).toMatchObject({ ok: false, cause: 'signature_missing' });
  });

  it('verifyApiKey compares the header with the key', async () => {
    const request = {
      method: 'POST',
      url: 'https://a.example/',
      headers: [['x-api-key', 'k1']] as const,
      body: Buffer.from(''),
    };
    expect(await verifyApiKey(request, { header: 'X-Api-Key', key: 'k1' })).toEqual({ ok: true });
    expect(await verifyApiKey(request, { header: 'X-Api-Key', key: 'k2' })).toMatchObject({ ok: false });
  });
});

describe('fromWebRequest', () => {
  it('reads the raw bytes and leaves the body readable', async () => {
    const signature = await signGithub('gh-secret', BODY);
    const request = new Request('https://hooks.example.com/github?x=1', {
      method: 'POST',
      headers: { 'X-Hub-Signature-256': signature, 'X-GitHub-Delivery': 'd-1' },
      body: BODY,
    });
    const verifiable = await fromWebRequest(request);
    expect(verifiable.url).toBe('https://hooks.example.com/github?x=1');
    expect(await verifyGithub(verifiable, 'gh-secret')).toEqual({ ok: true, deliveryId: 'd-1' });
    expect(await request.json()).toMatchObject({ id: 'evt_9' });
  });
});

describe('fromNodeRequest over a loopback server', () => {
  it('verifies a Square request whose signed URL is the one the sender called', async () => {
    const received: Promise<[IncomingMessage, Buffer]> = new Promise((resolve) => {
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          res.end('ok');
          server.close();
          resolve([req, Buffer.concat(chunks)]);
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        const url = `http://127.0.0.1:${port}/in/square?a=b`;
        const signature = createHmac('sha256', 'sq-key')
          .update(url + BODY)
          .digest('base64');
        void fetch(url, {
          method: 'POST',
          headers: { 'x-square-hmacsha256-signature': signature, 'content-type': 'application/json' },
          body: BODY,
        });
      });
    });
    const [req, raw] = await received;
    const verifiable = fromNodeRequest(req, raw);
    expect(verifiable.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/in\/square\?a=b$/);
    expect(await verifySquare(verifiable, 'sq-key')).toEqual({ ok: true });
    expect(await verifySquare(verifiable, 'other-key')).toMatchObject({ ok: false, cause: 'signature_invalid' });
    // Behind a proxy, the public URL is what Square signed: a different one fails.
    expect(await verifySquare(fromNodeRequest(req, raw, 'https://public.example/in/square'), 'sq-key')).toMatchObject({
      ok: false,
    });
  });
});
