import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { verifyKey } from 'discord-interactions';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../helpers/api-client.js';
import {
  type CertificateServer,
  generateCertificate,
  loopbackRule,
  startCertificateServer,
  type TestCertificate,
} from '../helpers/certificate-server.js';
import { startTestHookd, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/*
 * Each provider's set-up handshake sent through `/in/{source}` over real HTTP: answered as the
 * provider expects, stored as a request with status `handshake`, and never forwarded. A handshake
 * whose signature fails gets no handshake answer. AWS SNS fetches its certificate and confirms the
 * subscription on a loopback HTTPS server (the test hookd's certificate allow-list points there).
 */

const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text);
const nowSeconds = () => String(Math.floor(Date.now() / 1000));

describe('receive: provider handshakes through /in/*', () => {
  let hookd: TestHookd;
  let api: ApiClient;
  let receiver: Receiver;
  let certificates: CertificateServer;
  let snsSigner: TestCertificate;
  const confirmed: string[] = [];

  beforeAll(async () => {
    snsSigner = await generateCertificate('sns.amazonaws.com');
    certificates = await startCertificateServer({
      '/SimpleNotificationService-test.pem': (_req, res) => res.writeHead(200).end(snsSigner.cert),
      '/confirm': (req, res) => {
        confirmed.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'text/xml' }).end('<ConfirmSubscriptionResponse/>');
      },
    });
    const rules = { 'aws-sns': loopbackRule(certificates) };
    hookd = await startTestHookd({}, { certificates: { allowedHosts: rules, fetch: certificates.fetch } });
    api = createApiClient(hookd.url, hookd.config.adminToken);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
    await certificates?.close();
  });

  /** A source with this verification, connected to the receiver (so a forward would show). */
  async function sourceWith(verification: Record<string, unknown>): Promise<string> {
    const src = await api.post('/api/v1/source', { body: { name: verification.type, verification } });
    expect(src.status, JSON.stringify(src.body)).toBe(201);
    const dst = (await api.post('/api/v1/destination', { body: { name: 'dst', url: `${receiver.url}/hs` } })).body;
    const conn = await api.post('/api/v1/connection', { body: { source: src.body.id, destination: dst.id } });
    expect(conn.status).toBe(201);
    return src.body.id;
  }

  async function send(
    id: string,
    method: string,
    pathAndQuery: string,
    headers: Record<string, string>,
    body?: string,
  ) {
    const res = await request(`${hookd.url}/in/${id}${pathAndQuery}`, { method: method as 'POST', headers, body });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  /** The source's stored requests, oldest first, with each one's event count. */
  async function storedOf(id: string) {
    const list = (await api.get(`/api/v1/source/${id}/request`)).body.data as {
      id: string;
      status: string;
      cause: string | null;
    }[];
    const out = [];
    for (const r of list.reverse()) {
      const events = (await api.get(`/api/v1/request/${r.id}/event`)).body.data as unknown[];
      out.push({ status: r.status, cause: r.cause, events: events.length });
    }
    return out;
  }

  const HANDSHAKE = { status: 'handshake', cause: null, events: 0 };
  const REJECTED_INVALID = { status: 'rejected', cause: 'signature_invalid', events: 0 };

  describe('Slack', () => {
    const secret = '8f742231b10e8888abcd99yyyzzz85a5';
    const challenge = '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P';
    const body = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge, type: 'url_verification' });
    /** Slack's scheme: `v0=` hex HMAC-SHA256 of `v0:{timestamp}:{body}` (api.slack.com/authentication/verifying-requests-from-slack). */
    const slackHeaders = (key: string, text: string) => {
      const ts = nowSeconds();
      return {
        'content-type': 'application/json',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': `v0=${hmac(key, `v0:${ts}:${text}`).digest('hex')}`,
      };
    };

    it('answers a signed url_verification with its challenge; a wrongly signed one gets 401, not the challenge', async () => {
      const id = await sourceWith({ type: 'slack', secrets: [secret] });
      const good = await send(id, 'POST', '', slackHeaders(secret, body), body);
      expect([good.status, good.headers['content-type'], JSON.parse(good.text)]).toEqual([
        200,
        expect.stringMatching(/^application\/json/),
        { challenge },
      ]);
      const forged = await send(id, 'POST', '', slackHeaders('not-the-secret', body), body);
      expect(forged.status).toBe(401);
      expect(forged.text).not.toContain(challenge);
      expect(JSON.parse(forged.text).code).toBe('signature_invalid');
      expect(await storedOf(id)).toEqual([HANDSHAKE, REJECTED_INVALID]);
    });

    it('answers a slash command ssl_check with an empty 200', async () => {
      const id = await sourceWith({ type: 'slack', secrets: [secret] });
      const form = 'ssl_check=1&token=gIkuvaNzQIHg97ATvDxqgjtO';
      const res = await send(id, 'POST', '', { 'content-type': 'application/x-www-form-urlencoded' }, form);
      expect([res.status, res.text]).toEqual([200, '']);
      expect(await storedOf(id)).toEqual([HANDSHAKE]);
    });
  });

  it('Zoom endpoint.url_validation: encryptedToken under the secret that signed it (two secrets in rotation)', async () => {
    const [oldSecret, newSecret] = ['zoom-secret-old', 'zoom-secret-new'];
    const id = await sourceWith({ type: 'zoom', secrets: [oldSecret, newSecret] });
    const plainToken = 'qgg8vlvZRS6UYooatFL8Aw';
    const body = JSON.stringify({ payload: { plainToken }, event_ts: Date.now(), event: 'endpoint.url_validation' });
    for (const secret of [newSecret, oldSecret]) {
      const ts = nowSeconds();
      // https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
      const res = await send(
        id,
        'POST',
        '',
        {
          'content-type': 'application/json',
          'x-zm-request-timestamp': ts,
          'x-zm-signature': `v0=${hmac(secret, `v0:${ts}:${body}`).digest('hex')}`,
        },
        body,
      );
      expect([res.status, JSON.parse(res.text)]).toEqual([
        200,
        { plainToken, encryptedToken: hmac(secret, plainToken).digest('hex') },
      ]);
    }
    expect(await storedOf(id)).toEqual([HANDSHAKE, HANDSHAKE]);
  });

  it('X CRC: GET ?crc_token= answered with sha256=base64 HMAC under the consumer secret', async () => {
    const consumerSecret = 'x-consumer-secret-0123';
    const id = await sourceWith({ type: 'x', secrets: [consumerSecret] });
    const crcToken = 'a1b2+c3/d4=';
    const res = await send(id, 'GET', `?crc_token=${encodeURIComponent(crcToken)}&nonce=1`, {});
    expect([res.status, JSON.parse(res.text)]).toEqual([
      200,
      { response_token: `sha256=${hmac(consumerSecret, crcToken).digest('base64')}` },
    ]);
    expect(await storedOf(id)).toEqual([HANDSHAKE]);
  });

  it('Microsoft Graph: validationToken echoed URL-decoded as text/plain', async () => {
    const id = await sourceWith({ type: 'microsoft-graph', secrets: ['client-state-1'] });
    const token = 'Validation: Testing client application <b>&amp;</b>';
    const res = await send(id, 'POST', `/notify?validationToken=${encodeURIComponent(token)}`, {
      'content-type': 'text/plain; charset=utf-8',
    });
    expect([res.status, res.headers['content-type'], res.headers['x-content-type-options'], res.text]).toEqual([
      200,
      'text/plain; charset=utf-8',
      'nosniff',
      token,
    ]);
    expect(await storedOf(id)).toEqual([HANDSHAKE]);
  });

  it('Dropbox: GET ?challenge= echoed as text/plain with nosniff', async () => {
    const id = await sourceWith({ type: 'dropbox', secrets: ['dropbox-app-secret'] });
    const res = await send(id, 'GET', '?challenge=JcE7cMlVrm8pYcxYn4Sdb8k', {});
    expect([res.status, res.headers['content-type'], res.headers['x-content-type-options'], res.text]).toEqual([
      200,
      'text/plain; charset=utf-8',
      'nosniff',
      'JcE7cMlVrm8pYcxYn4Sdb8k',
    ]);
    expect(await storedOf(id)).toEqual([HANDSHAKE]);
  });

  it('Discord: an ed25519-signed PING answered {type: 1}; one signed by another key gets 401', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicHex = rawPublicHex(publicKey);
    const id = await sourceWith({ type: 'discord', secrets: [publicHex] });
    const body = JSON.stringify({ id: '1234567890', application_id: '42', type: 1, version: 1, token: 't' });
    const signed = discordHeaders(privateKey, body);
    // The fixture is what Discord sends: its own package accepts it.
    expect(await verifyKey(body, signed['x-signature-ed25519'], signed['x-signature-timestamp'], publicHex)).toBe(true);
    const pong = await send(id, 'POST', '', signed, body);
    expect([pong.status, JSON.parse(pong.text)]).toEqual([200, { type: 1 }]);

    const other = generateKeyPairSync('ed25519').privateKey;
    const forged = await send(id, 'POST', '', discordHeaders(other, body), body);
    expect([forged.status, JSON.parse(forged.text).code]).toEqual([401, 'signature_invalid']);
    expect(await storedOf(id)).toEqual([HANDSHAKE, REJECTED_INVALID]);
  });

  describe('AWS SNS', () => {
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:orders';

    /** A SubscriptionConfirmation signed (SignatureVersion 2, RSA-SHA256) as SNS signs it. */
    function confirmation(token: string, key: string = snsSigner.key): string {
      const m: Record<string, string> = {
        Type: 'SubscriptionConfirmation',
        MessageId: `msg-${token}`,
        Token: token,
        TopicArn: topicArn,
        Message: `You have chosen to subscribe to the topic ${topicArn}.`,
        SubscribeURL: `${certificates.origin}/confirm?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${token}`,
        Timestamp: new Date().toISOString(),
        SignatureVersion: '2',
        SigningCertURL: `${certificates.origin}/SimpleNotificationService-test.pem`,
      };
      // https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message-verify-message-signature.html
      const signedFields = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
      const text = signedFields.map((f) => `${f}\n${m[f]}\n`).join('');
      m.Signature = sign('sha256', Buffer.from(text), key).toString('base64');
      return JSON.stringify(m);
    }
    const snsHeaders = {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'SubscriptionConfirmation',
      'x-amz-sns-topic-arn': topicArn,
    };

    it('verifies a SubscriptionConfirmation, GETs its SubscribeURL on the loopback server, and answers 200', async () => {
      const id = await sourceWith({ type: 'aws-sns', topicArns: [topicArn] });
      const before = confirmed.length;
      const res = await send(id, 'POST', '', snsHeaders, confirmation('token-good'));
      expect([res.status, res.text]).toEqual([200, '']);
      expect(confirmed.slice(before)).toEqual([
        `/confirm?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=token-good`,
      ]);
      expect(await storedOf(id)).toEqual([HANDSHAKE]);
    });

    it('neither confirms nor answers one signed by another key: 401', async () => {
      const id = await sourceWith({ type: 'aws-sns' });
      const before = confirmed.length;
      const forged = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString();
      const res = await send(id, 'POST', '', snsHeaders, confirmation('token-forged', forged));
      expect([res.status, JSON.parse(res.text).code]).toEqual([401, 'signature_invalid']);
      expect(confirmed.slice(before)).toEqual([]);
      expect(await storedOf(id)).toEqual([REJECTED_INVALID]);
    });
  });
});

/** An Ed25519 public key as Discord shows it: the 32 raw bytes in hex. */
function rawPublicHex(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('hex');
}

/** Discord's scheme: Ed25519 over `timestamp + body`, hex in X-Signature-Ed25519. */
function discordHeaders(key: KeyObject, body: string) {
  const timestamp = nowSeconds();
  return {
    'content-type': 'application/json',
    'x-signature-timestamp': timestamp,
    'x-signature-ed25519': sign(null, Buffer.from(timestamp + body), key).toString('hex'),
  };
}
