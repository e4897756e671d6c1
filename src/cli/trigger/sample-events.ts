import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Realistic sample events for `hookd trigger`, one table per provider: each builds the body and
 * the provider's own non-signature headers (event name, delivery id...) as the provider sends
 * them; trigger.ts then signs them with the provider's spec. Shapes follow each provider's
 * webhook reference, trimmed to the fields receivers commonly read.
 */

/** One unsigned webhook request. */
export interface SampleEvent {
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

type Build = (nowMs: number) => SampleEvent;

/** A provider's samples: the verification type that signs them, and its events by name. */
export interface ProviderSamples {
  type: string;
  events: Record<string, Build>;
  /** For Standard Webhooks: any event type name, built by this. */
  anyEvent?: (event: string) => Build;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const base62 = (length: number) =>
  randomBytes(length)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .padEnd(length, '0')
    .slice(0, length);
const json = (body: unknown, headers: Record<string, string> = {}): SampleEvent => ({
  contentType: 'application/json',
  body: JSON.stringify(body),
  headers,
});
const unix = (ms: number) => Math.floor(ms / 1000);

/** https://docs.stripe.com/api/events/object */
function stripeEvent(type: string, object: Record<string, unknown>): Build {
  return (now) =>
    json({
      id: `evt_${base62(24)}`,
      object: 'event',
      api_version: '2024-06-20',
      created: unix(now),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: `req_${base62(14)}`, idempotency_key: randomUUID() },
      type,
    });
}

const charge = {
  id: 'ch_3PZLlH2eZvKYlo2C0Kq8mVxb',
  object: 'charge',
  amount: 2000,
  amount_captured: 2000,
  amount_refunded: 0,
  currency: 'usd',
  customer: 'cus_QQ5mJ3Qn4y8Zb1',
  description: 'Order #1042',
  paid: true,
  captured: true,
  refunded: false,
  status: 'succeeded',
  payment_intent: 'pi_3PZLlH2eZvKYlo2C0s2x4Q1n',
  payment_method: 'pm_1PZLlG2eZvKYlo2CqP8dWvE3',
  payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 } },
  receipt_email: 'jenny.rosen@example.com',
  metadata: { order_id: '1042' },
};

const stripe: ProviderSamples = {
  type: 'stripe',
  events: {
    'charge.succeeded': stripeEvent('charge.succeeded', charge),
    'charge.refunded': stripeEvent('charge.refunded', { ...charge, amount_refunded: 2000, refunded: true }),
    'payment_intent.succeeded': stripeEvent('payment_intent.succeeded', {
      id: charge.payment_intent,
      object: 'payment_intent',
      amount: 2000,
      amount_received: 2000,
      currency: 'usd',
      customer: charge.customer,
      latest_charge: charge.id,
      status: 'succeeded',
      metadata: charge.metadata,
    }),
    'checkout.session.completed': stripeEvent('checkout.session.completed', {
      id: 'cs_test_a1B2c3D4e5F6g7H8i9J0',
      object: 'checkout.session',
      amount_total: 2000,
      currency: 'usd',
      customer: charge.customer,
      customer_details: { email: 'jenny.rosen@example.com', name: 'Jenny Rosen' },
      mode: 'payment',
      payment_intent: charge.payment_intent,
      payment_status: 'paid',
      status: 'complete',
    }),
    'invoice.paid': stripeEvent('invoice.paid', {
      id: 'in_1PZLlH2eZvKYlo2CkXk1Vb9d',
      object: 'invoice',
      amount_due: 1500,
      amount_paid: 1500,
      currency: 'usd',
      customer: charge.customer,
      status: 'paid',
      subscription: 'sub_1PZLlH2eZvKYlo2CvU0nRj3a',
    }),
    'customer.subscription.created': stripeEvent('customer.subscription.created', {
      id: 'sub_1PZLlH2eZvKYlo2CvU0nRj3a',
      object: 'subscription',
      customer: charge.customer,
      status: 'active',
      items: { object: 'list', data: [{ id: 'si_QQ5mq1', price: { id: 'price_1PZ', unit_amount: 1500 } }] },
    }),
  },
};

const repository = {
  id: 812345678,
  node_id: 'R_kgDOMG7jzg',
  name: 'hello-world',
  full_name: 'octocat/hello-world',
  private: false,
  owner: { login: 'octocat', id: 583231, type: 'User' },
  html_url: 'https://github.com/octocat/hello-world',
  default_branch: 'main',
};
const octocat = { login: 'octocat', id: 583231, type: 'User' };

/** https://docs.github.com/en/webhooks/webhook-events-and-payloads */
function githubEvent(event: string, payload: (now: number) => Record<string, unknown>): Build {
  return (now) =>
    json(payload(now), {
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-github-hook-id': '491234567',
      'x-github-hook-installation-target-type': 'repository',
      'x-github-hook-installation-target-id': String(repository.id),
      'user-agent': 'GitHub-Hookshot/8e7c5f1',
    });
}

const github: ProviderSamples = {
  type: 'github',
  events: {
    push: githubEvent('push', (now) => {
      const after = hex(20);
      const commit = {
        id: after,
        message: 'Fix the retry schedule',
        timestamp: new Date(now).toISOString(),
        url: `https://github.com/octocat/hello-world/commit/${after}`,
        author: { name: 'Mona Octocat', email: 'mona@example.com', username: 'octocat' },
        added: [],
        removed: [],
        modified: ['src/retry.ts'],
      };
      return {
        ref: 'refs/heads/main',
        before: hex(20),
        after,
        created: false,
        deleted: false,
        forced: false,
        compare: `https://github.com/octocat/hello-world/compare/${after.slice(0, 12)}`,
        commits: [commit],
        head_commit: commit,
        repository,
        pusher: { name: 'octocat', email: 'mona@example.com' },
        sender: octocat,
      };
    }),
    pull_request: githubEvent('pull_request', (now) => ({
      action: 'opened',
      number: 42,
      pull_request: {
        id: 1934567890,
        number: 42,
        state: 'open',
        title: 'Add webhook retries',
        user: octocat,
        head: { ref: 'retries', sha: hex(20) },
        base: { ref: 'main', sha: hex(20) },
        created_at: new Date(now).toISOString(),
        html_url: 'https://github.com/octocat/hello-world/pull/42',
      },
      repository,
      sender: octocat,
    })),
    issues: githubEvent('issues', () => ({
      action: 'opened',
      issue: { id: 2345678901, number: 7, title: 'Webhooks arrive twice', state: 'open', user: octocat },
      repository,
      sender: octocat,
    })),
    ping: githubEvent('ping', () => ({
      zen: 'Keep it logically awesome.',
      hook_id: 491234567,
      hook: { type: 'Repository', id: 491234567, events: ['push', 'pull_request'], active: true },
      repository,
      sender: octocat,
    })),
  },
};

/** https://shopify.dev/docs/api/webhooks */
function shopifyEvent(topic: string, payload: (now: number) => Record<string, unknown>): Build {
  return (now) =>
    json(payload(now), {
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': 'hookd-demo.myshopify.com',
      'x-shopify-api-version': '2024-07',
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-event-id': randomUUID(),
      'x-shopify-triggered-at': new Date(now).toISOString(),
    });
}

const shopify: ProviderSamples = {
  type: 'shopify',
  events: {
    'orders/create': shopifyEvent('orders/create', (now) => ({
      id: 5802345678901,
      admin_graphql_api_id: 'gid://shopify/Order/5802345678901',
      name: '#1042',
      email: 'jenny.rosen@example.com',
      created_at: new Date(now).toISOString(),
      currency: 'USD',
      financial_status: 'paid',
      total_price: '20.00',
      subtotal_price: '18.00',
      total_tax: '2.00',
      line_items: [{ id: 13912345678901, title: 'Webhook T-shirt', quantity: 1, price: '18.00', sku: 'HOOK-TS-M' }],
      customer: { id: 7012345678901, email: 'jenny.rosen@example.com', first_name: 'Jenny', last_name: 'Rosen' },
    })),
    'products/update': shopifyEvent('products/update', (now) => ({
      id: 8012345678901,
      title: 'Webhook T-shirt',
      status: 'active',
      updated_at: new Date(now).toISOString(),
      variants: [{ id: 44012345678901, title: 'M', price: '18.00', sku: 'HOOK-TS-M', inventory_quantity: 12 }],
    })),
    'app/uninstalled': shopifyEvent('app/uninstalled', () => ({
      id: 61234567890,
      name: 'hookd demo',
      domain: 'hookd-demo.myshopify.com',
      myshopify_domain: 'hookd-demo.myshopify.com',
    })),
  },
};

/** https://api.slack.com/apis/events-api#callback-field */
function slackEvent(event: (now: number) => Record<string, unknown>): Build {
  return (now) =>
    json({
      token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
      team_id: 'T0001ABCD',
      api_app_id: 'A0001WXYZ',
      event: event(now),
      type: 'event_callback',
      event_id: `Ev${base62(9).toUpperCase()}`,
      event_time: unix(now),
      authorizations: [{ team_id: 'T0001ABCD', user_id: 'U0002BOT', is_bot: true }],
    });
}
const slackTs = (now: number) => `${unix(now)}.000200`;

const slack: ProviderSamples = {
  type: 'slack',
  events: {
    app_mention: slackEvent((now) => ({
      type: 'app_mention',
      user: 'U0003JENNY',
      text: '<@U0002BOT> is the deploy done?',
      ts: slackTs(now),
      channel: 'C0004GENERAL',
      event_ts: slackTs(now),
    })),
    message: slackEvent((now) => ({
      type: 'message',
      channel: 'C0004GENERAL',
      user: 'U0003JENNY',
      text: 'Hello world',
      ts: slackTs(now),
      event_ts: slackTs(now),
      channel_type: 'channel',
    })),
  },
};

/** https://www.twilio.com/docs/messaging/guides/webhook-request, .../voice/twiml#request-parameters */
function twilioForm(fields: Record<string, string>): Build {
  return () => ({
    contentType: 'application/x-www-form-urlencoded',
    body: new URLSearchParams(fields).toString(),
    headers: { 'i-twilio-idempotency-token': randomUUID(), 'user-agent': 'TwilioProxy/1.1' },
  });
}
const twilioAccount = 'AC3b1c6d7e8f90a1b2c3d4e5f6a7b8c9d0';

const twilio: ProviderSamples = {
  type: 'twilio',
  events: {
    'message.received': twilioForm({
      ToCountry: 'US',
      ToState: 'CA',
      SmsMessageSid: 'SM1f0e2d3c4b5a69788796a5b4c3d2e1f0',
      NumMedia: '0',
      ToCity: 'SAN FRANCISCO',
      FromZip: '94105',
      SmsSid: 'SM1f0e2d3c4b5a69788796a5b4c3d2e1f0',
      FromState: 'CA',
      SmsStatus: 'received',
      FromCity: 'SAN FRANCISCO',
      Body: 'Hello from hookd',
      FromCountry: 'US',
      To: '+14155550100',
      ToZip: '94105',
      NumSegments: '1',
      MessageSid: 'SM1f0e2d3c4b5a69788796a5b4c3d2e1f0',
      AccountSid: twilioAccount,
      From: '+14155550199',
      ApiVersion: '2010-04-01',
    }),
    'call.completed': twilioForm({
      AccountSid: twilioAccount,
      ApiVersion: '2010-04-01',
      CallSid: 'CA9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a',
      CallStatus: 'completed',
      CallDuration: '42',
      Direction: 'inbound',
      From: '+14155550199',
      To: '+14155550100',
    }),
  },
};

/** https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#payload-structure */
function standardEvent(type: string): Build {
  return (now) =>
    json({
      type,
      timestamp: new Date(now).toISOString(),
      data: { id: `obj_${base62(16)}`, email: 'jenny.rosen@example.com', amount: 2000, currency: 'usd' },
    });
}

const standardWebhooks: ProviderSamples = {
  type: 'standard-webhooks',
  events: { 'invoice.paid': standardEvent('invoice.paid'), 'user.created': standardEvent('user.created') },
  anyEvent: standardEvent,
};

/** https://linear.app/developers/webhooks#the-webhook-payload */
const linear: ProviderSamples = {
  type: 'linear',
  events: {
    'Issue.create': (now) =>
      json(
        {
          action: 'create',
          type: 'Issue',
          createdAt: new Date(now).toISOString(),
          data: { id: randomUUID(), identifier: 'ENG-42', title: 'Webhooks arrive twice', priority: 2 },
          url: 'https://linear.app/hookd/issue/ENG-42',
          organizationId: randomUUID(),
          webhookTimestamp: now,
          webhookId: randomUUID(),
        },
        { 'linear-delivery': randomUUID(), 'linear-event': 'Issue', 'user-agent': 'Linear-Webhook' },
      ),
  },
};

/** The providers `hookd trigger` knows, by the name given on the command line. */
export const SAMPLES: Record<string, ProviderSamples> = {
  stripe,
  github,
  shopify,
  slack,
  twilio,
  'standard-webhooks': standardWebhooks,
  linear,
};

/** `provider: event, event, ...` lines for help and error messages. */
export function describeSamples(): string {
  return Object.entries(SAMPLES)
    .map(([name, samples]) => {
      const any = samples.anyEvent ? ' (or any event type)' : '';
      return `  ${name}: ${Object.keys(samples.events).join(', ')}${any}`;
    })
    .join('\n');
}
