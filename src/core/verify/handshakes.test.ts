import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateServer,
  generateCertificate,
  loopbackRule,
  startCertificateServer,
  type TestCertificate,
} from '../../../test/helpers/certificate-server.js';
import { createCertificateFetcher } from './certificate-fetcher.js';
import { answerHandshake, type HandshakeContext } from './handshakes.js';
import { createSubscriptionConfirmer } from './subscription-confirmer.js';
import type { VerifiableRequest } from './types.js';
import { verify } from './verification.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');
const TS = String(NOW / 1000);

function request(method: string, url: string, body = '', headers: [string, string][] = []): VerifiableRequest {
  return { method, url, headers, body: Buffer.from(body) };
}

const hmacHex = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

function hmacSigned(type: 'slack' | 'zoom', secret: string, body: string): VerifiableRequest {
  const prefix = type === 'slack' ? 'x-slack' : 'x-zm';
  return request('POST', 'https://hookd.test/in/src_1', body, [
    ['content-type', 'application/json'],
    [type === 'slack' ? 'x-slack-signature' : 'x-zm-signature', `v0=${hmacHex(secret, `v0:${TS}:${body}`)}`],
    [`${prefix}-request-timestamp`, TS],
  ]);
}

// The table's own verifier, as the ingest wires it (src/inbound/ingest.ts).
const base: HandshakeContext = { now: NOW, verifyFirst: (setting, req) => verify(setting, req, { now: NOW }) };
const JSON_HEADERS = { 'content-type': 'application/json' };
const TEXT_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };

describe('answerHandshake: Slack', () => {
  const slack = { type: 'slack', secrets: ['8f742231b10e8888abcd99yyyzzz85a5'] };
  const body = JSON.stringify({
    token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
    challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    type: 'url_verification',
  });

  it('answers a signed url_verification with its challenge as JSON', async () => {
    expect(await answerHandshake(slack, hmacSigned('slack', slack.secrets[0], body), base)).toEqual({
      status: 200,
      headers: JSON_HEADERS,
      body: '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}',
    });
  });

  it('does not answer one whose signature fails, nor one it cannot verify', async () => {
    expect(await answerHandshake(slack, hmacSigned('slack', 'another-secret', body), base)).toBeNull();
    expect(await answerHandshake(slack, hmacSigned('slack', slack.secrets[0], body), { now: NOW })).toBeNull();
  });

  it('answers ssl_check with an empty 200, and leaves an event to the normal path', async () => {
    const sslCheck = request('POST', 'https://hookd.test/in/src_1', 'ssl_check=1&token=abc', [
      ['content-type', 'application/x-www-form-urlencoded'],
    ]);
    expect(await answerHandshake(slack, sslCheck, base)).toEqual({ status: 200, headers: {}, body: '' });
    const event = JSON.stringify({ type: 'event_callback', event: { type: 'app_mention' } });
    expect(await answerHandshake(slack, hmacSigned('slack', slack.secrets[0], event), base)).toBeNull();
  });
});

describe('answerHandshake: Zoom', () => {
  const zoom = { type: 'zoom', secrets: ['new-secret-token', 'old-secret-token'] };
  const body = JSON.stringify({
    payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' },
    event_ts: NOW,
    event: 'endpoint.url_validation',
  });

  it('answers with plainToken and its HMAC under the secret that signed the request', async () => {
    for (const secret of zoom.secrets) {
      const reply = await answerHandshake(zoom, hmacSigned('zoom', secret, body), base);
      expect(reply).toEqual({
        status: 200,
        headers: JSON_HEADERS,
        body: JSON.stringify({
          plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
          encryptedToken: hmacHex(secret, 'qgg8vlvZRS6UYooatFL8Aw'),
        }),
      });
    }
  });

  it('does not answer an unsigned one, nor another event', async () => {
    expect(await answerHandshake(zoom, hmacSigned('zoom', 'wrong', body), base)).toBeNull();
    const other = JSON.stringify({ event: 'meeting.started', payload: {} });
    expect(await answerHandshake(zoom, hmacSigned('zoom', zoom.secrets[0], other), base)).toBeNull();
  });
});

describe('answerHandshake: X CRC, Microsoft Graph, Dropbox', () => {
  it('answers an X CRC GET with sha256= base64 HMAC of crc_token under the consumer secret', async () => {
    const x = { type: 'x', secrets: ['consumer-secret'] };
    const reply = await answerHandshake(x, request('GET', 'https://hookd.test/in/src_1?crc_token=a%2Bb%3Dc'), base);
    const expected = createHmac('sha256', 'consumer-secret').update('a+b=c').digest('base64');
    expect(reply).toEqual({
      status: 200,
      headers: JSON_HEADERS,
      body: JSON.stringify({ response_token: `sha256=${expected}` }),
    });
    expect(
      await answerHandshake(x, request('POST', 'https://hookd.test/in/src_1', '{"for_user_id":"1"}'), base),
    ).toBeNull();
  });

  it("echoes Graph's decoded validationToken as text/plain with nosniff, markup and all", async () => {
    const graph = { type: 'microsoft-graph' };
    const token = 'Validation: Testing client application reachability <script>alert(1)</script>';
    const reply = await answerHandshake(
      graph,
      request('POST', `https://hookd.test/in/src_1?validationToken=${encodeURIComponent(token)}`),
      base,
    );
    expect(reply).toEqual({ status: 200, headers: TEXT_HEADERS, body: token });
    expect(
      await answerHandshake(graph, request('POST', 'https://hookd.test/in/src_1', '{"value":[]}'), base),
    ).toBeNull();
  });

  it("echoes Dropbox's challenge on GET only", async () => {
    const dropbox = { type: 'dropbox', secrets: ['app-secret'] };
    const url = 'https://hookd.test/in/src_1?challenge=%3Cb%3Ehi%3C%2Fb%3E';
    expect(await answerHandshake(dropbox, request('GET', url), base)).toEqual({
      status: 200,
      headers: TEXT_HEADERS,
      body: '<b>hi</b>',
    });
    expect(await answerHandshake(dropbox, request('POST', url, '{}'), base)).toBeNull();
  });

  it('answers nothing for a type without a handshake', async () => {
    expect(
      await answerHandshake(
        { type: 'stripe', secrets: ['s'] },
        request('GET', 'https://hookd.test/in/a?challenge=1'),
        base,
      ),
    ).toBeNull();
  });
});

describe('answerHandshake: Discord', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const discord = { type: 'discord', secrets: [der.subarray(der.length - 32).toString('hex')] };
  const signed = (body: string, key = privateKey) =>
    request('POST', 'https://hookd.test/in/src_1', body, [
      ['X-Signature-Ed25519', sign(null, Buffer.from(TS + body), key).toString('hex')],
      ['X-Signature-Timestamp', TS],
    ]);

  it('answers a signed PING with a PONG', async () => {
    expect(await answerHandshake(discord, signed('{"id":"1","type":1}'), { now: NOW })).toEqual({
      status: 200,
      headers: JSON_HEADERS,
      body: '{"type":1}',
    });
  });

  it('does not answer a PING signed by another key, nor a command', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(await answerHandshake(discord, signed('{"id":"1","type":1}', other), { now: NOW })).toBeNull();
    expect(await answerHandshake(discord, signed('{"id":"2","type":2}'), { now: NOW })).toBeNull();
  });
});

describe('answerHandshake: AWS SNS', () => {
  let server: CertificateServer;
  let signer: TestCertificate;
  let context: HandshakeContext;
  const sns = { type: 'aws-sns' };

  beforeAll(async () => {
    signer = await generateCertificate('sns.amazonaws.com', { notBefore: new Date(NOW - 86_400_000) });
    server = await startCertificateServer({
      '/SimpleNotificationService-1.pem': (_req, res) => res.writeHead(200).end(signer.cert),
      '/': (_req, res) => res.writeHead(200).end('<ConfirmSubscriptionResponse/>'),
    });
    const allowedHosts = { 'aws-sns': loopbackRule(server) };
    context = {
      now: NOW,
      fetchCertificate: createCertificateFetcher({ allowedHosts, fetch: server.fetch }),
      confirmSubscription: createSubscriptionConfirmer({ allowedHosts, fetch: server.fetch }),
    };
  });
  afterAll(() => server.close());

  function confirmation(fields: Record<string, string> = {}, key?: string): VerifiableRequest {
    const m: Record<string, string> = {
      Type: 'SubscriptionConfirmation',
      MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
      Token: 'token-1',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders',
      Message: 'You have chosen to subscribe to the topic',
      SubscribeURL: `${server.origin}/?Action=ConfirmSubscription&Token=token-1`,
      Timestamp: new Date(NOW).toISOString(),
      SignatureVersion: '2',
      SigningCertURL: `${server.origin}/SimpleNotificationService-1.pem`,
      ...fields,
    };
    const fieldsSigned = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
    const text = fieldsSigned.map((f) => `${f}\n${m[f]}\n`).join('');
    m.Signature = sign('sha256', Buffer.from(text), key ?? signer.key).toString('base64');
    return request('POST', 'https://hookd.test/in/src_1', JSON.stringify(m), [['x-amz-sns-message-type', m.Type]]);
  }

  it('verifies a SubscriptionConfirmation, GETs its SubscribeURL, and answers 200', async () => {
    const before = server.requested.length;
    expect(await answerHandshake(sns, confirmation(), context)).toEqual({ status: 200, headers: {}, body: '' });
    expect(server.requested.slice(before)).toContain('/?Action=ConfirmSubscription&Token=token-1');
  });

  it('neither confirms nor answers one whose signature fails', async () => {
    const before = server.requested.length;
    const forged = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    expect(await answerHandshake(sns, confirmation({}, String(forged)), context)).toBeNull();
    expect(server.requested.slice(before).filter((p) => p.startsWith('/?'))).toEqual([]);
  });

  it('does not visit a SubscribeURL off the SNS hosts (no connection), and leaves it to the normal path', async () => {
    const calls = server.fetch.calls.filter((u) => u.includes('Action=')).length;
    const evil = confirmation({ SubscribeURL: 'https://evil.test/?Action=ConfirmSubscription' });
    expect(await answerHandshake(sns, evil, context)).toBeNull();
    expect(server.fetch.calls.filter((u) => u.includes('Action=')).length).toBe(calls);
  });

  it('leaves a Notification to the normal path', async () => {
    const notification = request(
      'POST',
      'https://hookd.test/in/src_1',
      JSON.stringify({ Type: 'Notification', Message: 'x' }),
    );
    expect(await answerHandshake(sns, notification, context)).toBeNull();
  });
});
