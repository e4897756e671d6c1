import { sign } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateServer,
  generateCertificate,
  loopbackRule,
  startCertificateServer,
  type TestCertificate,
} from '../../../../test/helpers/certificate-server.js';
import { createCertificateFetcher } from '../certificate-fetcher.js';
import type { VerifiableRequest, VerifyContext } from '../types.js';
import { paypalProvider } from './paypal.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');
const WEBHOOK_ID = '8PT597110X687430LKGECATA';
const BODY = '{"id":"WH-2WR32451HC0233532-67976317FL4543714","event_type":"PAYMENT.CAPTURE.COMPLETED"}';

let server: CertificateServer;
let signer: TestCertificate;
let other: TestCertificate;
let context: VerifyContext;

beforeAll(async () => {
  signer = await generateCertificate('messageverificationcerts.paypal.com', { notBefore: new Date(NOW - 86_400_000) });
  other = await generateCertificate('messageverificationcerts.paypal.com', { notBefore: new Date(NOW - 86_400_000) });
  server = await startCertificateServer({
    '/v1/notifications/certs/CERT-current': (_req, res) => res.writeHead(200).end(signer.cert),
    '/v1/notifications/certs/CERT-other': (_req, res) => res.writeHead(200).end(other.cert),
    '/v1/notifications/certs/CERT-moved': (_req, res) =>
      res.writeHead(301, { location: '/v1/notifications/certs/CERT-current' }).end(),
  });
  context = {
    now: NOW,
    fetchCertificate: createCertificateFetcher({ allowedHosts: { paypal: loopbackRule(server) }, fetch: server.fetch }),
  };
});
afterAll(() => server.close());

/** What PayPal sends, per its docs: RSA-SHA256 over id|time|webhookId|crc32(body) (decimal). */
function signedRequest(
  options: { time?: string; body?: string; certificate?: TestCertificate; certPath?: string; certUrl?: string } = {},
): VerifiableRequest {
  const time = options.time ?? new Date(NOW - 2_000).toISOString();
  const body = options.body ?? BODY;
  const transmissionId = '69cd13f0-d67a-11e5-baa3-778b53f4ae55';
  const signed = `${transmissionId}|${time}|${WEBHOOK_ID}|${crc32(Buffer.from(body))}`;
  const signature = sign('sha256', Buffer.from(signed), (options.certificate ?? signer).key).toString('base64');
  return {
    method: 'POST',
    url: 'https://hookd.test/in/src_1',
    headers: [
      ['paypal-transmission-id', transmissionId],
      ['paypal-transmission-time', time],
      ['paypal-transmission-sig', signature],
      [
        'paypal-cert-url',
        options.certUrl ?? `${server.origin}${options.certPath ?? '/v1/notifications/certs/CERT-current'}`,
      ],
      ['paypal-auth-algo', 'SHA256withRSA'],
    ],
    body: Buffer.from(body),
  };
}

const setting = paypalProvider.parse({ type: 'paypal', webhookId: WEBHOOK_ID });

describe('paypal', () => {
  it('takes the CRC32 as an unsigned decimal (check value of CRC-32/ISO-HDLC)', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(3421780262);
  });

  it('accepts a signed event, with the event id as deliveryId', async () => {
    expect(await paypalProvider.verify(signedRequest(), setting, context)).toEqual({
      ok: true,
      deliveryId: 'WH-2WR32451HC0233532-67976317FL4543714',
    });
  });

  it('rejects one byte changed in the body, and another webhook id', async () => {
    const request = signedRequest();
    const altered = { ...request, body: Buffer.from(BODY.replace('COMPLETED', 'COMPLETEd')) };
    expect(await paypalProvider.verify(altered, setting, context)).toMatchObject({ cause: 'signature_invalid' });
    const otherHook = { ...setting, webhookId: '1AB23456CD789012E' };
    expect(await paypalProvider.verify(request, otherHook, context)).toMatchObject({ cause: 'signature_invalid' });
  });

  it('verifies under whichever certificate the request names (rotation), and rejects a mismatch', async () => {
    const rotated = signedRequest({ certificate: other, certPath: '/v1/notifications/certs/CERT-other' });
    expect(await paypalProvider.verify(rotated, setting, context)).toMatchObject({ ok: true });
    const mismatch = signedRequest({ certificate: other });
    expect(await paypalProvider.verify(mismatch, setting, context)).toMatchObject({ cause: 'signature_invalid' });
  });

  it('reports missing headers', async () => {
    const request = signedRequest();
    const result = await paypalProvider.verify({ ...request, headers: request.headers.slice(0, 2) }, setting, context);
    expect(result).toEqual({
      ok: false,
      cause: 'signature_missing',
      detail: 'no PAYPAL-TRANSMISSION-SIG, PAYPAL-CERT-URL, PAYPAL-AUTH-ALGO header',
    });
  });

  it('rejects stale and future transmission times', async () => {
    for (const offset of [-301_000, 301_000]) {
      const request = signedRequest({ time: new Date(NOW + offset).toISOString() });
      expect(await paypalProvider.verify(request, setting, context)).toMatchObject({
        cause: 'timestamp_out_of_window',
      });
    }
  });

  it("refuses a certificate URL off PayPal's hosts without any connection", async () => {
    const calls = server.fetch.calls.length;
    for (const certUrl of ['https://evil.test/cert', 'https://api.paypal.com/v1/notifications/certs/CERT-1']) {
      const result = await paypalProvider.verify(signedRequest({ certUrl }), setting, context);
      expect(result).toMatchObject({ cause: 'certificate_invalid' });
    }
    expect(server.fetch.calls.length).toBe(calls);
  });

  it('does not follow a redirect from the certificate URL', async () => {
    const before = server.requested.length;
    const result = await paypalProvider.verify(
      signedRequest({ certPath: '/v1/notifications/certs/CERT-moved' }),
      setting,
      context,
    );
    expect(result).toMatchObject({ cause: 'certificate_invalid' });
    expect((result as { detail: string }).detail).toMatch(/redirect \(301\), not followed/);
    expect(server.requested.slice(before)).toEqual(['/v1/notifications/certs/CERT-moved']);
  });

  it('rejects an unsupported algorithm', async () => {
    const request = signedRequest();
    const headers = request.headers.map(([k, v]) => [k, k === 'paypal-auth-algo' ? 'SHA1withRSA' : v] as const);
    expect(await paypalProvider.verify({ ...request, headers }, setting, context)).toMatchObject({
      cause: 'signature_invalid',
    });
  });

  it('parse requires webhookId and refuses secrets, naming the field', () => {
    expect(() => paypalProvider.parse({ type: 'paypal' })).toThrow(expect.objectContaining({ field: 'webhookId' }));
    expect(() => paypalProvider.parse({ type: 'paypal', webhookId: 'a b' })).toThrow(
      expect.objectContaining({ field: 'webhookId' }),
    );
    expect(() => paypalProvider.parse({ type: 'paypal', webhookId: WEBHOOK_ID, secrets: ['s'] })).toThrow(
      expect.objectContaining({ field: 'secrets' }),
    );
  });
});
