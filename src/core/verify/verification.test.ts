import { readFileSync } from 'node:fs';
import { createPrivateKey, sign as signWithKey } from 'node:crypto';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { request } from './test-signers.js';
import { parseVerification, verify } from './verification.js';

/** Published vectors, the ed25519 (v1a) variant, a cross-check with twilio, and bad settings. */

const vectors = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/signature-vectors.json', import.meta.url), 'utf8'),
) as {
  standardWebhooks: { secret: string; msgId: string; timestamp: number; payload: string; signature: string }[];
  stripe: { secret: string; timestamp: number; payload: string; header: string }[];
  github: { secret: string; payload: string; header: string }[];
};

describe('published vectors', () => {
  it.each(vectors.standardWebhooks)('standard-webhooks and svix: $msgId', async (v) => {
    for (const [type, prefix] of [
      ['standard-webhooks', 'webhook'],
      ['svix', 'svix'],
    ] as const) {
      const setting = parseVerification({ type, secrets: [v.secret] });
      const req = request(
        {
          [`${prefix}-id`]: v.msgId,
          [`${prefix}-timestamp`]: String(v.timestamp),
          [`${prefix}-signature`]: v.signature,
        },
        v.payload,
      );
      expect(await verify(setting, req, { now: v.timestamp * 1000 })).toEqual({ ok: true, deliveryId: v.msgId });
    }
  });

  it.each(vectors.stripe)('stripe: $header', async (v) => {
    const setting = parseVerification({ type: 'stripe', secrets: [v.secret] });
    const req = request({ 'Stripe-Signature': v.header }, v.payload);
    expect(await verify(setting, req, { now: v.timestamp * 1000 })).toEqual({ ok: true, deliveryId: 'evt_1' });
    // A caller that dedups by something else skips the body's parse, and gets no id.
    expect(await verify(setting, req, { now: v.timestamp * 1000, skipDeliveryId: true })).toEqual({ ok: true });
    // The signature is still checked (keys and templates are cached across calls).
    const altered = request({ 'Stripe-Signature': v.header }, `${v.payload} `);
    expect(await verify(setting, altered, { now: v.timestamp * 1000, skipDeliveryId: true })).toMatchObject({
      ok: false,
      cause: 'signature_invalid',
    });
  });

  it.each(vectors.github)('github: $header', async (v) => {
    const setting = parseVerification({ type: 'github', secrets: [v.secret] });
    expect(await verify(setting, request({ 'X-Hub-Signature-256': v.header }, v.payload), { now: 0 })).toEqual({
      ok: true,
    });
  });
});

describe('standard-webhooks ed25519 (v1a)', () => {
  const publicKey = 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=';
  // whsk_ = base64 of seed (32 bytes) + public key (32 bytes).
  const seed = Buffer.from(
    '6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==',
    'base64',
  ).subarray(0, 32);
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const now = 1_700_000_000_000;
  const sign = (body: string) =>
    signWithKey(null, Buffer.from(`msg_ed.${now / 1000}.${body}`), privateKey).toString('base64');
  const headers = (signature: string) => ({
    'webhook-id': 'msg_ed',
    'webhook-timestamp': String(now / 1000),
    'webhook-signature': signature,
  });

  it('accepts a v1a signature with the whpk_ key, among other entries', async () => {
    const setting = parseVerification({ type: 'standard-webhooks', secrets: [publicKey] });
    const body = '{"a":1}';
    const header = `v1,${Buffer.alloc(32).toString('base64')} v1a,${sign(body)}`;
    expect(await verify(setting, request(headers(header), body), { now })).toEqual({ ok: true, deliveryId: 'msg_ed' });
  });

  it('refuses it when the body changed, or when only a v1 (HMAC) entry is given', async () => {
    const setting = parseVerification({ type: 'standard-webhooks', secrets: [publicKey] });
    const altered = await verify(setting, request(headers(`v1a,${sign('{"a":1}')}`), '{"a":2}'), { now });
    expect(altered).toMatchObject({ ok: false, cause: 'signature_invalid' });
    const hmacOnly = await verify(setting, request(headers(`v1,${sign('{"a":1}')}`), '{"a":1}'), { now });
    expect(hmacOnly).toMatchObject({ ok: false, cause: 'signature_invalid' });
  });
});

describe('twilio cross-check', () => {
  it('what we accept, twilio.validateRequest accepts; what we refuse, it refuses', async () => {
    const token = 'twilio-auth-token';
    const url = 'https://hooks.example.com/in/src_1';
    const params = { Digits: '1234', CallSid: 'CA1' };
    const signature = twilio.getExpectedTwilioSignature(token, url, params);
    const setting = parseVerification({ type: 'twilio', secrets: [token] });
    for (const [digits, expected] of [
      ['1234', true],
      ['1235', false],
    ] as const) {
      const form = new URLSearchParams({ ...params, Digits: digits }).toString();
      const req = {
        ...request({}, form, url),
        headers: [
          ['Content-Type', 'application/x-www-form-urlencoded'],
          ['X-Twilio-Signature', signature],
        ] as [string, string][],
      };
      expect((await verify(setting, req, { now: 0 })).ok).toBe(expected);
      expect(twilio.validateRequest(token, signature, url, { ...params, Digits: digits })).toBe(expected);
    }
  });
});

describe('parseVerification refuses bad settings, naming the problem', () => {
  it.each([
    [null, /verification: must be an object/],
    ['stripe', /verification: must be an object/],
    [{}, /verification.type: required, one of .*stripe/],
    [{ type: 'strpe', secrets: ['x'] }, /unknown type "strpe"; known types: .*github.*stripe/],
    [{ type: 'stripe' }, /verification.secrets: stripe needs at least one secret/],
    [{ type: 'stripe', secrets: [] }, /verification.secrets: stripe needs at least one secret/],
    [{ type: 'stripe', secrets: 'whsec_x' }, /verification.secrets: must be a list/],
    [{ type: 'stripe', secrets: ['ok', ''] }, /verification.secrets\[1\]: must be a non-empty string/],
    [{ type: 'stripe', secret: 'whsec_x' }, /verification.secret: .*did you mean secrets/],
    [{ type: 'stripe', secrets: ['x'], toleranceSeconds: -1 }, /verification.toleranceSeconds: must be a positive/],
    [{ type: 'stripe', secrets: ['x'], toleranceSeconds: '300' }, /verification.toleranceSeconds: must be a positive/],
    [{ type: 'stripe', secrets: ['x'], toleranceSeconds: 10 ** 9 }, /at most 604800/],
    [
      { type: 'github', secrets: ['x'], toleranceSeconds: 60 },
      /verification.toleranceSeconds: github has no such field/,
    ],
    [{ type: 'standard-webhooks', secrets: ['not base64!'] }, /verification.secrets\[0\]: a secret is whsec_/],
    [{ type: 'svix', secrets: ['whpk_AAAA'] }, /verification.secrets\[0\]: a whpk_ key is the base64 of a 32-byte/],
    [
      { type: 'svix', secrets: [`whsk_${'A'.repeat(86)}==`] },
      /secrets\[0\]: a whsk_ key is the sender's private key: give its whpk_/,
    ],
    [
      { type: 'square', secrets: ['x'], notificationUrl: 'not a url' },
      /verification.notificationUrl: must be an absolute URL/,
    ],
    [{ type: 'square', secrets: ['x'], notificationUrl: 'ftp://a/b' }, /notificationUrl: must be an http or https URL/],
    [{ type: 'hmac', secrets: ['x'] }, /verification.header: hmac needs header/],
    [
      { type: 'hmac', secrets: ['x'], header: 'bad header', algorithm: 'sha256', encoding: 'hex' },
      /verification.header: must be an HTTP header name/,
    ],
    [
      { type: 'hmac', secrets: ['x'], header: 'X-Sig', algorithm: 'md5', encoding: 'hex' },
      /verification.algorithm: must be one of sha1, sha256, sha512/,
    ],
    [
      { type: 'hmac', secrets: ['x'], header: 'X-Sig', algorithm: 'sha256' },
      /verification.encoding: hmac needs encoding/,
    ],
    [
      {
        type: 'hmac',
        secrets: ['x'],
        header: 'X-Sig',
        algorithm: 'sha256',
        encoding: 'hex',
        signedContent: '{timestamp}',
      },
      /signedContent: must include \{body\}/,
    ],
    [
      {
        type: 'hmac',
        secrets: ['x'],
        header: 'X-Sig',
        algorithm: 'sha256',
        encoding: 'hex',
        signedContent: '{timestamp}.{body}',
      },
      /verification.timestampHeader: is needed/,
    ],
    [{ type: 'basic-auth', username: 'a:b', password: 'p' }, /verification.username: must not contain a colon/],
    [{ type: 'basic-auth', username: 'a' }, /verification.password: basic-auth needs password/],
    [{ type: 'api-key', header: 'X-Key' }, /verification.key: api-key needs key/],
    [{ type: 'none', secrets: ['x'] }, /verification.secrets: none has no such field/],
  ])('%j', (input, message) => {
    let error: unknown;
    try {
      parseVerification(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts good settings and never puts a secret in a message', () => {
    expect(parseVerification({ type: 'stripe', secrets: ['whsec_a'], toleranceSeconds: 600 })).toEqual({
      type: 'stripe',
      secrets: ['whsec_a'],
      toleranceSeconds: 600,
    });
    expect(() => parseVerification({ type: 'stripe', secrets: ['whsec_topsecret'], extra: 1 })).toThrow(
      /^(?!.*topsecret)/,
    );
  });
});
