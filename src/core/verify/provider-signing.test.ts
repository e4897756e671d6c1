import { describe, expect, it } from 'vitest';
import { providers } from './providers.js';
import type { VerifiableRequest } from './types.js';

/**
 * Every spec that signs (`sign`, used by `hookd trigger` and `hookd doctor`) produces requests its
 * own verifier accepts, and a changed body byte or a wrong secret is refused. The providers' own
 * packages check the same signatures in test/cli/trigger.test.ts.
 */
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXk=';

function requestFor(type: string): VerifiableRequest {
  const form = type === 'twilio';
  const body = form
    ? 'AccountSid=AC1&Body=hello+world&From=%2B15550001111'
    : JSON.stringify({ id: 'evt_1', event_id: 'ev_2', text: 'hello world', webhookTimestamp: NOW });
  return {
    method: 'POST',
    url: 'https://hooks.example.com/in/src_1?x=1',
    headers: [['content-type', form ? 'application/x-www-form-urlencoded' : 'application/json']],
    body: Buffer.from(body),
  };
}

const signing = Object.entries(providers).filter(([, spec]) => spec.sign !== undefined);

describe('provider specs sign as they verify', () => {
  it('cover at least the providers hookd trigger sends', () => {
    const types = signing.map(([type]) => type);
    for (const type of ['stripe', 'github', 'shopify', 'slack', 'twilio', 'standard-webhooks']) {
      expect(types).toContain(type);
    }
  });

  for (const [type, spec] of signing) {
    it(`${type}: signed requests verify; a changed body or another secret does not`, async () => {
      const setting = spec.parse({ type, secrets: [SECRET] });
      const unsigned = requestFor(type);
      const signed = { ...unsigned, headers: [...unsigned.headers, ...spec.sign!(unsigned, SECRET, NOW)] };
      expect(await spec.verify(signed, setting, { now: NOW })).toMatchObject({ ok: true });

      const tampered = { ...signed, body: Buffer.from(Buffer.from(signed.body).toString().replace('hello', 'jello')) };
      expect(await spec.verify(tampered, setting, { now: NOW })).toMatchObject({ ok: false });
      const other = { ...unsigned, headers: [...unsigned.headers, ...spec.sign!(unsigned, OTHER, NOW)] };
      expect(await spec.verify(other, setting, { now: NOW })).toMatchObject({ ok: false, cause: 'signature_invalid' });
    });
  }
});
