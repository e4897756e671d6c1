import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  generateSecret,
  generateSigningKeyPair,
  isValidSecret,
  publicKeyOf,
  sign,
  toSvixKeyForm,
  verify,
} from './signing.js';

interface Vector {
  secret: string;
  msgId: string;
  timestamp: number;
  payload: string;
  signature: string;
}
const vectors = JSON.parse(readFileSync(new URL('../../test/fixtures/signature-vectors.json', import.meta.url), 'utf8'))
  .standardWebhooks as Vector[];

const MSG_ID = 'msg_2Lh9KRb0pY1x0QTN8qS2ZpYtnTp';
const PAYLOAD = '{"type":"invoice.paid","data":{"id":"in_1","amount":4200}}';

describe('sign', () => {
  it.each(vectors)('matches the Standard Webhooks vector $msgId', (v) => {
    expect(sign([v.secret], v.msgId, v.timestamp, v.payload)).toBe(v.signature);
    expect(verify(v.secret, v.msgId, v.timestamp, v.payload, v.signature)).toBe(true);
  });

  it('signs a bare base64 secret like the same secret with whsec_', () => {
    const v = vectors[0];
    expect(sign([v.secret.slice('whsec_'.length)], v.msgId, v.timestamp, v.payload)).toBe(v.signature);
  });

  it('produces what the standardwebhooks library verifies', () => {
    const secret = generateSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign([secret], MSG_ID, timestamp, PAYLOAD),
    };
    expect(new Webhook(secret).verify(PAYLOAD, headers)).toEqual(JSON.parse(PAYLOAD));
    expect(() => new Webhook(secret).verify(`${PAYLOAD} `, headers)).toThrow();
  });

  it('agrees with the standardwebhooks library signer', () => {
    const secret = generateSecret(32);
    const timestamp = 1_700_000_000;
    const theirs = new Webhook(secret).sign(MSG_ID, new Date(timestamp * 1000), PAYLOAD);
    expect(sign([secret], MSG_ID, timestamp, PAYLOAD)).toBe(theirs);
  });

  it('signs once per secret, each verifying on its own (key rotation)', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const header = sign([oldSecret, newSecret], MSG_ID, 1_700_000_000, PAYLOAD);
    const parts = header.split(' ');
    expect(parts).toHaveLength(2);
    expect(parts.every((p) => p.startsWith('v1,'))).toBe(true);
    expect(verify(oldSecret, MSG_ID, 1_700_000_000, PAYLOAD, header)).toBe(true);
    expect(verify(newSecret, MSG_ID, 1_700_000_000, PAYLOAD, header)).toBe(true);
    expect(verify(oldSecret, MSG_ID, 1_700_000_000, PAYLOAD, parts[1])).toBe(false);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign([oldSecret, newSecret], MSG_ID, timestamp, PAYLOAD),
    };
    expect(() => new Webhook(oldSecret).verify(PAYLOAD, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(PAYLOAD, headers)).not.toThrow();
  });

  it('returns an empty header for no secrets', () => {
    expect(sign([], MSG_ID, 1, PAYLOAD)).toBe('');
  });
});

describe('verify', () => {
  const secret = generateSecret();
  const header = sign([secret], MSG_ID, 1_700_000_000, PAYLOAD);

  it('fails on a tampered payload, timestamp, id or secret', () => {
    expect(verify(secret, MSG_ID, 1_700_000_000, PAYLOAD, header)).toBe(true);
    expect(verify(secret, MSG_ID, 1_700_000_000, PAYLOAD.replace('4200', '4201'), header)).toBe(false);
    expect(verify(secret, MSG_ID, 1_700_000_001, PAYLOAD, header)).toBe(false);
    expect(verify(secret, `${MSG_ID}x`, 1_700_000_000, PAYLOAD, header)).toBe(false);
    expect(verify(generateSecret(), MSG_ID, 1_700_000_000, PAYLOAD, header)).toBe(false);
  });

  it('finds the valid signature among others and ignores junk', () => {
    const sig = header.slice(3);
    expect(verify(secret, MSG_ID, 1_700_000_000, PAYLOAD, `v1,AAAA v2,${sig} v1,${sig}`)).toBe(true);
    expect(verify(secret, MSG_ID, 1_700_000_000, PAYLOAD, `v2,${sig}`)).toBe(false);
    expect(verify(secret, MSG_ID, 1_700_000_000, PAYLOAD, sig)).toBe(false);
    expect(verify(secret, MSG_ID, 1_700_000_000, PAYLOAD, '')).toBe(false);
    expect(verify(secret, MSG_ID, 1_700_000_000, PAYLOAD, 'v1,!!!! v1, ,,,')).toBe(false);
    expect(verify(secret, MSG_ID, 1_700_000_000, PAYLOAD, `v1,${sig.slice(0, -4)}`)).toBe(false);
  });

  it('returns false for an unusable key instead of throwing', () => {
    expect(verify('whsec_%%%', MSG_ID, 1, PAYLOAD, header)).toBe(false);
    expect(verify('whpk_short', MSG_ID, 1, PAYLOAD, header)).toBe(false);
  });
});

describe('ed25519 (v1a)', () => {
  it('signs with whsk_ and verifies with whpk_', () => {
    const { secret, publicKey } = generateSigningKeyPair();
    expect(secret).toMatch(/^whsk_[A-Za-z0-9+/]{86}==$/);
    expect(publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(publicKeyOf(secret)).toBe(publicKey);
    const header = sign([secret], MSG_ID, 1_700_000_000, PAYLOAD);
    expect(header).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(verify(publicKey, MSG_ID, 1_700_000_000, PAYLOAD, header)).toBe(true);
    expect(verify(secret, MSG_ID, 1_700_000_000, PAYLOAD, header)).toBe(true);
    expect(verify(publicKey, MSG_ID, 1_700_000_000, `${PAYLOAD} `, header)).toBe(false);
    expect(verify(publicKey, MSG_ID, 1_700_000_001, PAYLOAD, header)).toBe(false);
    expect(verify(generateSigningKeyPair().publicKey, MSG_ID, 1_700_000_000, PAYLOAD, header)).toBe(false);
  });

  it('signs each message with its own content when a key is used again (keys are decoded once)', () => {
    const { secret, publicKey } = generateSigningKeyPair();
    const hmacSecret = generateSecret();
    for (const [msgId, at, payload] of [
      [MSG_ID, 1_700_000_000, PAYLOAD],
      ['msg_other', 1_700_000_009, '{"b":2}'],
    ] as const) {
      const [v1, v1a] = sign([hmacSecret, secret], msgId, at, payload).split(' ');
      expect(verify(hmacSecret, msgId, at, payload, v1)).toBe(true);
      expect(verify(publicKey, msgId, at, payload, v1a)).toBe(true);
      expect(verify(publicKey, MSG_ID, 1_700_000_001, PAYLOAD, v1a)).toBe(false);
    }
  });

  it('refuses a malformed key on every call, not only the first', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => sign(['whsk_%%%'], MSG_ID, 1, PAYLOAD)).toThrow(TypeError);
      expect(() => sign(['whsec_%%%'], MSG_ID, 1, PAYLOAD)).toThrow(TypeError);
    }
  });

  it('mixes with symmetric secrets; each key only checks its own version', () => {
    const pair = generateSigningKeyPair();
    const symmetric = generateSecret();
    const header = sign([symmetric, pair.secret], MSG_ID, 1_700_000_000, PAYLOAD);
    expect(header.split(' ').map((p) => p.split(',')[0])).toEqual(['v1', 'v1a']);
    expect(verify(symmetric, MSG_ID, 1_700_000_000, PAYLOAD, header)).toBe(true);
    expect(verify(pair.publicKey, MSG_ID, 1_700_000_000, PAYLOAD, header)).toBe(true);
    expect(verify(pair.publicKey, MSG_ID, 1_700_000_000, PAYLOAD, header.replace('v1a,', 'v1,'))).toBe(false);
  });
});

describe("Svix's ed25519 key form", () => {
  // The key pair of hookd issue 8: Svix's whsk_ is base64(seed ‖ public key).
  const SVIX_KEY = 'whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==';
  const SVIX_PUBLIC_KEY = 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=';
  const raw = Buffer.from(SVIX_KEY.slice(5), 'base64');
  const SEED_ONLY = `whsk_${raw.subarray(0, 32).toString('base64')}`;

  it('accepts the 64-byte form and signs v1a that its whpk_ verifies', () => {
    expect(isValidSecret(SVIX_KEY)).toBe(true);
    expect(publicKeyOf(SVIX_KEY)).toBe(SVIX_PUBLIC_KEY);
    const header = sign([SVIX_KEY], MSG_ID, 1_700_000_000, PAYLOAD);
    expect(verify(SVIX_PUBLIC_KEY, MSG_ID, 1_700_000_000, PAYLOAD, header)).toBe(true);
  });

  it('keeps accepting the 32-byte seed form; both forms sign the same', () => {
    expect(isValidSecret(SEED_ONLY)).toBe(true);
    expect(publicKeyOf(SEED_ONLY)).toBe(SVIX_PUBLIC_KEY);
    // ed25519 signatures are deterministic: the same key signs the same bytes identically.
    expect(sign([SEED_ONLY], MSG_ID, 1, PAYLOAD)).toBe(sign([SVIX_KEY], MSG_ID, 1, PAYLOAD));
  });

  it('prints either form as the 64-byte form; other secrets unchanged', () => {
    expect(toSvixKeyForm(SEED_ONLY)).toBe(SVIX_KEY);
    expect(toSvixKeyForm(SVIX_KEY)).toBe(SVIX_KEY);
    const symmetric = generateSecret();
    expect(toSvixKeyForm(symmetric)).toBe(symmetric);
  });

  it("refuses a 64-byte key whose public half is not its seed's, and other lengths", () => {
    const otherPublic = Buffer.from(generateSigningKeyPair().publicKey.slice(5), 'base64');
    const mismatched = `whsk_${Buffer.concat([raw.subarray(0, 32), otherPublic]).toString('base64')}`;
    expect(isValidSecret(mismatched)).toBe(false);
    expect(() => publicKeyOf(mismatched)).toThrow(TypeError);
    expect(isValidSecret(`whsk_${raw.subarray(0, 48).toString('base64')}`)).toBe(false);
    expect(isValidSecret(`whsk_${Buffer.concat([raw, raw.subarray(0, 1)]).toString('base64')}`)).toBe(false);
  });
});

describe('generateSecret', () => {
  it('is whsec_ and base64 of 24 random bytes by default', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);
    expect(generateSecret()).not.toBe(secret);
  });

  it('takes 24 to 64 bytes', () => {
    expect(Buffer.from(generateSecret(64).slice(6), 'base64')).toHaveLength(64);
    expect(() => generateSecret(23)).toThrow(RangeError);
    expect(() => generateSecret(65)).toThrow(RangeError);
    expect(() => generateSecret(32.5)).toThrow(RangeError);
  });
});

describe('isValidSecret', () => {
  const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');
  it.each([
    { name: 'a generated secret', secret: generateSecret(), valid: true },
    { name: '64 bytes', secret: generateSecret(64), valid: true },
    { name: 'the spec example', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', valid: true },
    { name: 'bare base64 of 24 bytes', secret: b64(24), valid: true },
    { name: 'bare base64 of 64 bytes', secret: b64(64), valid: true },
    { name: 'a whsk_ key', secret: generateSigningKeyPair().secret, valid: true },
    { name: '23 bytes', secret: `whsec_${b64(23)}`, valid: false },
    { name: '65 bytes', secret: `whsec_${b64(65)}`, valid: false },
    { name: 'not base64', secret: 'whsec_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!', valid: false },
    { name: 'padding in the middle', secret: `whsec_${b64(13)}${b64(13)}`, valid: false },
    { name: 'only padding', secret: `whsec_${'='.repeat(32)}`, valid: false },
    { name: 'another prefix', secret: `whsek_${b64(24)}`, valid: false },
    { name: 'empty', secret: '', valid: false },
    { name: 'a whpk_ public key', secret: generateSigningKeyPair().publicKey, valid: false },
    { name: 'a short whsk_ key', secret: `whsk_${b64(16)}`, valid: false },
  ])('$name → $valid', ({ secret, valid }) => {
    expect(isValidSecret(secret)).toBe(valid);
  });
});
