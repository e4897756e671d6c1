import { sign } from 'node:crypto';
import { globalAgent } from 'node:https';
import MessageValidator from 'sns-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateServer,
  generateCertificate,
  loopbackRule,
  startCertificateServer,
  type TestCertificate,
} from '../../../../test/helpers/certificate-server.js';
import { ValidationError } from '../../errors.js';
import { createCertificateFetcher } from '../certificate-fetcher.js';
import type { CertificateFetcher, VerifiableRequest, VerifyContext } from '../types.js';
import { awsSnsProvider } from './aws-sns.js';

const NOW = Date.parse('2025-06-15T12:00:00.000Z');
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders';

let server: CertificateServer;
let signer: TestCertificate;
let oldSigner: TestCertificate;
let expired: TestCertificate;
let context: VerifyContext;
let fetchCertificate: CertificateFetcher;

beforeAll(async () => {
  signer = await generateCertificate('sns.amazonaws.com', { notBefore: new Date(NOW - 86_400_000) });
  oldSigner = await generateCertificate('sns.amazonaws.com', { notBefore: new Date(NOW - 86_400_000) });
  expired = await generateCertificate('sns.amazonaws.com', {
    notBefore: new Date(NOW - 2 * 86_400_000),
    notAfter: new Date(NOW - 86_400_000),
  });
  server = await startCertificateServer({
    '/SimpleNotificationService-current.pem': (_req, res) => res.writeHead(200).end(signer.cert),
    '/SimpleNotificationService-old.pem': (_req, res) => res.writeHead(200).end(oldSigner.cert),
    '/SimpleNotificationService-expired.pem': (_req, res) => res.writeHead(200).end(expired.cert),
  });
  fetchCertificate = createCertificateFetcher({
    allowedHosts: { 'aws-sns': loopbackRule(server) },
    fetch: server.fetch,
  });
  context = { now: NOW, fetchCertificate };
});
afterAll(() => server.close());

/** The string to sign, written here from the AWS page (not imported), so the two can disagree. */
function stringToSign(m: Record<string, string>): string {
  const fields =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return fields
    .filter((f) => f in m)
    .map((f) => `${f}\n${m[f]}\n`)
    .join('');
}

function snsMessage(
  fields: Record<string, string>,
  options: { version?: '1' | '2'; certificate?: TestCertificate; certPath?: string } = {},
): Record<string, string> {
  const version = options.version ?? '2';
  const message: Record<string, string> = {
    Type: 'Notification',
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: TOPIC,
    Message: 'order 42 shipped\nwith "quotes" and ünïcode',
    Timestamp: new Date(NOW - 5_000).toISOString(),
    SignatureVersion: version,
    SigningCertURL: `${server.origin}${options.certPath ?? '/SimpleNotificationService-current.pem'}`,
    ...fields,
  };
  message.Signature = sign(
    version === '1' ? 'sha1' : 'sha256',
    Buffer.from(stringToSign(message)),
    (options.certificate ?? signer).key,
  ).toString('base64');
  return message;
}

function requestOf(message: unknown): VerifiableRequest {
  return {
    method: 'POST',
    url: 'https://hookd.test/in/src_1',
    headers: [['x-amz-sns-message-type', String((message as { Type?: string }).Type)]],
    body: Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)),
  };
}

/** sns-validator, told to accept the loopback server and to trust its TLS certificate. */
async function snsValidatorAccepts(message: Record<string, string>): Promise<boolean> {
  const previousCa = globalAgent.options.ca;
  globalAgent.options.ca = server.ca;
  try {
    const validator = new MessageValidator(/^127\.0\.0\.1:\d+$/);
    return await new Promise((resolve) => validator.validate({ ...message }, (error) => resolve(!error)));
  } finally {
    globalAgent.options.ca = previousCa;
  }
}

const setting = awsSnsProvider.parse({ type: 'aws-sns' });

describe('aws-sns', () => {
  it.each(['1', '2'] as const)(
    'accepts a Notification (SignatureVersion %s) that sns-validator accepts',
    async (version) => {
      const message = snsMessage({ Subject: 'Shipped' }, { version });
      expect(await snsValidatorAccepts(message)).toBe(true);
      expect(await awsSnsProvider.verify(requestOf(message), setting, context)).toEqual({
        ok: true,
        deliveryId: message.MessageId,
      });
    },
  );

  it('accepts a SubscriptionConfirmation that sns-validator accepts', async () => {
    const message = snsMessage({
      Type: 'SubscriptionConfirmation',
      Token: 'token-1',
      SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=token-1',
      Message: 'You have chosen to subscribe to the topic',
    });
    expect(await snsValidatorAccepts(message)).toBe(true);
    expect(await awsSnsProvider.verify(requestOf(message), setting, context)).toMatchObject({ ok: true });
  });

  it('rejects a message with one byte changed, as sns-validator does', async () => {
    const message = { ...snsMessage({}), Message: 'order 43 shipped\nwith "quotes" and ünïcode' };
    expect(await snsValidatorAccepts(message)).toBe(false);
    expect(await awsSnsProvider.verify(requestOf(message), setting, context)).toMatchObject({
      cause: 'signature_invalid',
    });
  });

  it('accepts messages signed under an older certificate at its own URL (rotation)', async () => {
    const message = snsMessage({}, { certificate: oldSigner, certPath: '/SimpleNotificationService-old.pem' });
    expect(await awsSnsProvider.verify(requestOf(message), setting, context)).toMatchObject({ ok: true });
    const mismatched = snsMessage({}, { certificate: oldSigner });
    expect(await awsSnsProvider.verify(requestOf(mismatched), setting, context)).toMatchObject({
      cause: 'signature_invalid',
    });
  });

  it('reports a body that is no signed SNS message as signature_missing', async () => {
    const { Signature: _, ...unsigned } = snsMessage({});
    for (const body of [unsigned, 'not json', [1, 2]]) {
      expect(await awsSnsProvider.verify(requestOf(body), setting, context)).toMatchObject({
        cause: 'signature_missing',
      });
    }
  });

  it('refuses a certificate URL off the allow-list without any connection', async () => {
    const calls = server.fetch.calls.length;
    for (const url of [
      'https://evil.test/SimpleNotificationService-x.pem',
      'https://sns.us-east-1.amazonaws.com/x.pem',
    ]) {
      const message = snsMessage({ SigningCertURL: url });
      const result = await awsSnsProvider.verify(requestOf(message), setting, context);
      expect(result).toMatchObject({ ok: false, cause: 'certificate_invalid' });
      expect((result as { detail: string }).detail).toMatch(/not an allow-listed host/);
    }
    expect(server.fetch.calls.length).toBe(calls);
  });

  it('refuses an expired certificate, and a context with no fetcher', async () => {
    const message = snsMessage({}, { certificate: expired, certPath: '/SimpleNotificationService-expired.pem' });
    expect(await awsSnsProvider.verify(requestOf(message), setting, context)).toMatchObject({
      cause: 'certificate_invalid',
    });
    expect(await awsSnsProvider.verify(requestOf(snsMessage({})), setting, { now: NOW })).toMatchObject({
      cause: 'certificate_invalid',
    });
  });

  it('rejects a topic outside topicArns', async () => {
    const limited = awsSnsProvider.parse({ type: 'aws-sns', topicArns: ['arn:aws:sns:us-east-1:123456789012:other'] });
    expect(await awsSnsProvider.verify(requestOf(snsMessage({})), limited, context)).toMatchObject({
      cause: 'signature_invalid',
    });
    const allowed = { ...limited, topicArns: [TOPIC] };
    expect(await awsSnsProvider.verify(requestOf(snsMessage({})), allowed, context)).toMatchObject({ ok: true });
  });

  it('checks Timestamp both ways only when toleranceSeconds is set', async () => {
    const strict = { type: 'aws-sns', toleranceSeconds: 60 };
    const stale = snsMessage({ Timestamp: new Date(NOW - 61_000).toISOString() });
    const future = snsMessage({ Timestamp: new Date(NOW + 61_000).toISOString() });
    expect(await awsSnsProvider.verify(requestOf(stale), strict, context)).toMatchObject({
      cause: 'timestamp_out_of_window',
    });
    expect(await awsSnsProvider.verify(requestOf(future), strict, context)).toMatchObject({
      cause: 'timestamp_out_of_window',
    });
    expect(await awsSnsProvider.verify(requestOf(stale), setting, context)).toMatchObject({ ok: true });
  });

  it('parse refuses secrets and bad topicArns, naming the field', () => {
    expect(() => awsSnsProvider.parse({ type: 'aws-sns', secrets: ['x'] })).toThrow(
      expect.objectContaining({ field: 'secrets' }),
    );
    for (const topicArns of [[], ['orders'], 'arn:aws:sns:us-east-1:1:orders']) {
      expect(() => awsSnsProvider.parse({ type: 'aws-sns', topicArns })).toThrow(ValidationError);
    }
  });
});
