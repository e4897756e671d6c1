import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import type { VerifiableRequest } from '../types.js';
import { sendgridProvider } from './sendgrid.js';

const NOW = 1_750_000_000_000;
const BODY = '[{"email":"a@example.test","event":"delivered","sg_event_id":"ev1","timestamp":1750000000}]';

function keyPair(): { privateKey: KeyObject; publicBase64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicBase64: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
}

/** What SendGrid sends: base64 DER ECDSA over timestamp + body. */
function signedRequest(privateKey: KeyObject, timestamp: string, body = BODY): VerifiableRequest {
  const signature = sign('sha256', Buffer.from(timestamp + body), { key: privateKey, dsaEncoding: 'der' });
  return {
    method: 'POST',
    url: 'https://hookd.test/in/src_1',
    headers: [
      ['content-type', 'application/json'],
      ['x-twilio-email-event-webhook-signature', signature.toString('base64')],
      ['x-twilio-email-event-webhook-timestamp', timestamp],
    ],
    body: Buffer.from(body),
  };
}

const current = keyPair();
const previous = keyPair();
const setting = sendgridProvider.parse({ type: 'sendgrid', secrets: [current.publicBase64] });
const nowSeconds = String(NOW / 1000);

describe('sendgrid', () => {
  it("accepts a fixture that SendGrid's own package accepts", async () => {
    const request = signedRequest(current.privateKey, nowSeconds);
    const headerValue = (name: string) => request.headers.find(([k]) => k === name)![1];
    const oracle = new EventWebhook();
    expect(
      oracle.verifySignature(
        oracle.convertPublicKeyToECDSA(current.publicBase64),
        BODY,
        headerValue('x-twilio-email-event-webhook-signature'),
        nowSeconds,
      ),
    ).toBe(true);
    expect(await sendgridProvider.verify(request, setting, { now: NOW })).toEqual({ ok: true });
  });

  it('rejects a body with one byte changed, as the package does', async () => {
    const request = signedRequest(current.privateKey, nowSeconds);
    const altered = { ...request, body: Buffer.from(BODY.replace('delivered', 'delivereD')) };
    const oracle = new EventWebhook();
    expect(
      oracle.verifySignature(
        oracle.convertPublicKeyToECDSA(current.publicBase64),
        Buffer.from(altered.body).toString(),
        request.headers[1][1],
        nowSeconds,
      ),
    ).toBe(false);
    expect(await sendgridProvider.verify(altered, setting, { now: NOW })).toMatchObject({
      ok: false,
      cause: 'signature_invalid',
    });
  });

  it('rejects a signature by another key, and garbage in the signature header', async () => {
    const other = signedRequest(previous.privateKey, nowSeconds);
    expect(await sendgridProvider.verify(other, setting, { now: NOW })).toMatchObject({ cause: 'signature_invalid' });
    const garbage = {
      ...other,
      headers: [other.headers[0], ['x-twilio-email-event-webhook-signature', '%%%'], other.headers[2]] as const,
    };
    expect(await sendgridProvider.verify(garbage, setting, { now: NOW })).toMatchObject({ cause: 'signature_invalid' });
  });

  it('accepts either key during a rotation', async () => {
    const both = { type: 'sendgrid', secrets: [current.publicBase64, previous.publicBase64] };
    expect(await sendgridProvider.verify(signedRequest(previous.privateKey, nowSeconds), both, { now: NOW })).toEqual({
      ok: true,
    });
    expect(await sendgridProvider.verify(signedRequest(current.privateKey, nowSeconds), both, { now: NOW })).toEqual({
      ok: true,
    });
  });

  it('reports missing headers', async () => {
    const request = signedRequest(current.privateKey, nowSeconds);
    const result = await sendgridProvider.verify(
      { ...request, headers: [request.headers[0], request.headers[2]] },
      setting,
      { now: NOW },
    );
    expect(result).toEqual({
      ok: false,
      cause: 'signature_missing',
      detail: 'no X-Twilio-Email-Event-Webhook-Signature header',
    });
  });

  it('rejects a stale and a future timestamp, and accepts one at the edge of the window', async () => {
    const at = (offsetSeconds: number) => signedRequest(current.privateKey, String(NOW / 1000 + offsetSeconds));
    expect(await sendgridProvider.verify(at(-301), setting, { now: NOW })).toMatchObject({
      cause: 'timestamp_out_of_window',
    });
    expect(await sendgridProvider.verify(at(301), setting, { now: NOW })).toMatchObject({
      cause: 'timestamp_out_of_window',
    });
    expect(await sendgridProvider.verify(at(-300), setting, { now: NOW })).toEqual({ ok: true });
    const wide = { ...setting, toleranceSeconds: 600 };
    expect(await sendgridProvider.verify(at(-301), wide, { now: NOW })).toEqual({ ok: true });
  });

  it('parse accepts the key as PEM too and refuses what is not a P-256 public key, naming the field', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' });
    expect(() => sendgridProvider.parse({ type: 'sendgrid', secrets: [String(pem)] })).not.toThrow();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'der', type: 'spki' });
    for (const secrets of [['bm90IGEga2V5'], [current.publicBase64, p384.toString('base64')]]) {
      expect(() => sendgridProvider.parse({ type: 'sendgrid', secrets })).toThrow(ValidationError);
    }
    expect(() => sendgridProvider.parse({ type: 'sendgrid', secrets: [current.publicBase64, 'bm90IGEga2V5'] })).toThrow(
      expect.objectContaining({ field: 'secrets[1]' }),
    );
    expect(() => sendgridProvider.parse({ type: 'sendgrid' })).toThrow(/needs secrets/);
  });
});
