import '@shopify/shopify-api/adapters/node';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify as verifyGithub } from '@octokit/webhooks-methods';
import { ApiVersion, shopifyApi } from '@shopify/shopify-api';
import { isValidSlackRequest } from '@slack/bolt';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

/**
 * `hookd trigger` against a loopback receiver that checks each request with the provider's own
 * package, as a real receiver would, and answers 200 only when it verifies (else 400).
 */
const SECRETS = {
  stripe: 'whsec_test_5b3c0e8a1f2d4c6b8a9e7d5c3b1a0f2e',
  github: 'my-github-webhook-secret',
  shopify: 'shpss_0123456789abcdef0123456789abcdef',
  slack: '8f742231b10e8888abcd99yyyzzz85a5',
  twilio: '12345678901234567890123456789012',
  'standard-webhooks': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
};
type Provider = keyof typeof SECRETS;

const shopify = shopifyApi({
  apiKey: 'hookd-test',
  apiSecretKey: SECRETS.shopify,
  scopes: [],
  hostName: '127.0.0.1',
  apiVersion: ApiVersion.January25,
  isEmbeddedApp: false,
  logger: { level: 0 },
});

/** What the receiver decided for each request: provider, verified, the parsed event. */
const verdicts: { provider: string; valid: boolean; event?: unknown }[] = [];
let server: Server;
let base: string;

async function check(provider: Provider, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<unknown> {
  const header = (name: string) => String(req.headers[name] ?? '');
  const text = body.toString('utf8');
  switch (provider) {
    case 'stripe':
      return new Stripe('sk_test_unused').webhooks.constructEvent(body, header('stripe-signature'), SECRETS.stripe);
    case 'github':
      if (!(await verifyGithub(SECRETS.github, text, header('x-hub-signature-256')))) throw new Error('invalid');
      return JSON.parse(text);
    case 'shopify': {
      const result = await shopify.webhooks.validate({ rawBody: text, rawRequest: req, rawResponse: res });
      if (!result.valid) throw new Error(result.reason);
      return { topic: result.topic, domain: result.domain };
    }
    case 'slack': {
      const headers = {
        'x-slack-signature': header('x-slack-signature'),
        'x-slack-request-timestamp': Number(header('x-slack-request-timestamp')),
      };
      if (!isValidSlackRequest({ signingSecret: SECRETS.slack, body: text, headers })) throw new Error('invalid');
      return JSON.parse(text);
    }
    case 'twilio': {
      const params = Object.fromEntries(new URLSearchParams(text));
      const url = `${base}${req.url}`;
      if (!twilio.validateRequest(SECRETS.twilio, header('x-twilio-signature'), url, params))
        throw new Error('invalid');
      return params;
    }
    case 'standard-webhooks':
      return new StandardWebhook(SECRETS['standard-webhooks']).verify(text, req.headers as Record<string, string>);
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const provider = (req.url ?? '').split('/')[1] as Provider;
      try {
        const event = await check(provider, req, res, Buffer.concat(chunks));
        verdicts.push({ provider, valid: true, event });
        res.writeHead(200).end('verified');
      } catch (err) {
        verdicts.push({ provider, valid: false });
        res.writeHead(400).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function trigger(provider: Provider, event: string, secret = SECRETS[provider]) {
  verdicts.length = 0;
  const run = await runCli(['trigger', provider, event, '--to', `${base}/${provider}/hooks`, '--secret', secret]);
  return { run, verdict: verdicts[0] };
}

describe('hookd trigger signs as each provider does', () => {
  it('stripe charge.succeeded passes stripe constructEvent', async () => {
    const { run, verdict } = await trigger('stripe', 'charge.succeeded');
    expect(run.stdout).toMatch(/stripe charge\.succeeded → .*: 200 in \d+ ms/);
    expect(run.code).toBe(0);
    expect(verdict).toMatchObject({ valid: true, event: { type: 'charge.succeeded', object: 'event' } });
    expect((verdict.event as Stripe.Event).data.object).toMatchObject({ object: 'charge', status: 'succeeded' });
  });

  it('github push passes @octokit/webhooks-methods verify', async () => {
    const { run, verdict } = await trigger('github', 'push');
    expect(run.code).toBe(0);
    expect(verdict).toMatchObject({ valid: true, event: { ref: 'refs/heads/main' } });
  });

  it('shopify orders/create passes @shopify/shopify-api webhooks.validate', async () => {
    const { run, verdict } = await trigger('shopify', 'orders/create');
    expect(run.code).toBe(0);
    expect(verdict).toMatchObject({
      valid: true,
      event: { topic: 'ORDERS_CREATE', domain: 'hookd-demo.myshopify.com' },
    });
  });

  it('slack app_mention passes @slack/bolt isValidSlackRequest', async () => {
    const { run, verdict } = await trigger('slack', 'app_mention');
    expect(run.code).toBe(0);
    expect(verdict).toMatchObject({ valid: true, event: { type: 'event_callback', event: { type: 'app_mention' } } });
  });

  it('twilio message.received passes twilio validateRequest', async () => {
    const { run, verdict } = await trigger('twilio', 'message.received');
    expect(run.code).toBe(0);
    expect(verdict).toMatchObject({ valid: true, event: { Body: 'Hello from hookd', SmsStatus: 'received' } });
  });

  it('standard-webhooks (any event type) passes the standardwebhooks package', async () => {
    const { run, verdict } = await trigger('standard-webhooks', 'order.shipped');
    expect(run.code).toBe(0);
    expect(verdict).toMatchObject({ valid: true, event: { type: 'order.shipped' } });
  });

  it('with another secret the receiver refuses it, and trigger exits 1', async () => {
    const { run, verdict } = await trigger('github', 'push', 'not-the-secret');
    expect(verdict.valid).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/: 400 in/);
  });

  it('names an unknown provider or event (exit 2) and an unreachable URL (exit 1)', async () => {
    const unknown = await runCli(['trigger', 'acme', 'x', '--to', base, '--secret', 's']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown provider "acme"; known:\n {2}stripe: charge\.succeeded/);
    const noEvent = await runCli(['trigger', 'stripe', 'nope', '--to', base, '--secret', 's']);
    expect(noEvent.stderr).toMatch(/stripe has no sample event "nope"/);
    const closed = await runCli(['trigger', 'github', 'push', '--to', 'http://127.0.0.1:9/x', '--secret', 's']);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9\/x \(ECONNREFUSED\)/);
  });
});
