import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateServer,
  generateCertificate,
  loopbackRule,
  startCertificateServer,
} from '../../../test/helpers/certificate-server.js';
import { checkCertificateUrl, DEFAULT_CERTIFICATE_HOSTS } from './certificate-hosts.js';
import { createCertificateFetcher } from './certificate-fetcher.js';
import { createSubscriptionConfirmer } from './subscription-confirmer.js';

let server: CertificateServer;
let pem: string;

beforeAll(async () => {
  pem = (await generateCertificate('signer.test')).cert;
  server = await startCertificateServer({
    '/cert.pem': (_req, res) => res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(pem),
    '/redirect.pem': (_req, res) => res.writeHead(302, { location: '/cert.pem' }).end(),
    '/big.pem': (_req, res) => res.writeHead(200).end(`${pem}${'x'.repeat(100_000)}`),
    '/not-pem': (_req, res) => res.writeHead(200).end('hello'),
    '/missing.pem': (_req, res) => res.writeHead(404).end(),
    '/confirm': (_req, res) => res.writeHead(200).end('<ConfirmSubscriptionResponse/>'),
  });
});
afterAll(() => server.close());

function fetcherFor(options: { maxBytes?: number } = {}) {
  return createCertificateFetcher({
    allowedHosts: { 'aws-sns': loopbackRule(server) },
    fetch: server.fetch,
    ...options,
  });
}

describe('default certificate hosts', () => {
  it.each([
    ['paypal', 'https://api.paypal.com/v1/notifications/certs/CERT-1'],
    ['paypal', 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1'],
    ['aws-sns', 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem'],
    ['aws-sns', 'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem'],
  ])('%s accepts %s', (provider, url) => {
    expect(checkCertificateUrl(url, DEFAULT_CERTIFICATE_HOSTS, provider).ok).toBe(true);
  });

  it.each([
    ['paypal', 'http://api.paypal.com/v1/notifications/certs/CERT-1'],
    ['paypal', 'https://api.paypal.com.evil.test/cert'],
    ['paypal', 'https://api.paypal.com:8443/cert'],
    ['paypal', 'https://user@api.paypal.com/cert'],
    ['paypal', 'https://sns.us-east-1.amazonaws.com/x.pem'],
    ['aws-sns', 'https://sns.us-east-1.amazonaws.com.evil.test/x.pem'],
    ['aws-sns', 'https://evil.test/sns.us-east-1.amazonaws.com/x.pem'],
    ['aws-sns', 'https://sqs.us-east-1.amazonaws.com/x.pem'],
    ['aws-sns', 'not a url'],
  ])('%s refuses %s', (provider, url) => {
    expect(checkCertificateUrl(url, DEFAULT_CERTIFICATE_HOSTS, provider).ok).toBe(false);
  });
});

describe('createCertificateFetcher', () => {
  it('fetches a PEM certificate from an allow-listed host and caches it per URL', async () => {
    const fetchCertificate = fetcherFor();
    const before = server.requested.length;
    expect(await fetchCertificate(`${server.origin}/cert.pem`)).toBe(pem);
    expect(await fetchCertificate(`${server.origin}/cert.pem`)).toBe(pem);
    expect(server.requested.length - before).toBe(1);
  });

  it('refuses a host off the allow-list without any connection', async () => {
    const fetchCertificate = fetcherFor();
    const calls = server.fetch.calls.length;
    await expect(fetchCertificate('https://evil.test/cert.pem')).rejects.toThrow(/not an allow-listed host/);
    await expect(fetchCertificate('https://sns.us-east-1.amazonaws.com/cert.pem')).rejects.toThrow(/allow-listed/);
    expect(server.fetch.calls.length).toBe(calls);
  });

  it("refuses another provider's host when the caller names its provider, without any connection", async () => {
    const fetchCertificate = fetcherFor();
    expect(await fetchCertificate(`${server.origin}/cert.pem`, 'aws-sns')).toBe(pem);
    const calls = server.fetch.calls.length;
    await expect(fetchCertificate(`${server.origin}/cert.pem`, 'paypal')).rejects.toThrow(
      /not an allow-listed host for paypal/,
    );
    expect(server.fetch.calls.length).toBe(calls);
  });

  it('refuses http even on an allow-listed host', async () => {
    const fetchCertificate = createCertificateFetcher({ allowedHosts: { any: () => true }, fetch: server.fetch });
    const calls = server.fetch.calls.length;
    await expect(fetchCertificate(`${server.origin.replace('https', 'http')}/cert.pem`)).rejects.toThrow(/only https/);
    expect(server.fetch.calls.length).toBe(calls);
  });

  it('does not follow a redirect', async () => {
    const before = server.requested.length;
    await expect(fetcherFor()(`${server.origin}/redirect.pem`)).rejects.toThrow(/redirect \(302\), not followed/);
    expect(server.requested.slice(before)).toEqual(['/redirect.pem']);
  });

  it('refuses a body over the size cap, a non-200 answer and a body without a certificate', async () => {
    const fetchCertificate = fetcherFor({ maxBytes: 16 * 1024 });
    await expect(fetchCertificate(`${server.origin}/big.pem`)).rejects.toThrow(/16384-byte cap/);
    await expect(fetchCertificate(`${server.origin}/missing.pem`)).rejects.toThrow(/answered 404/);
    await expect(fetchCertificate(`${server.origin}/not-pem`)).rejects.toThrow(/did not hold a PEM certificate/);
  });

  it('does not cache a failure', async () => {
    const fetchCertificate = fetcherFor();
    const before = server.requested.length;
    await expect(fetchCertificate(`${server.origin}/missing.pem`)).rejects.toThrow();
    await expect(fetchCertificate(`${server.origin}/missing.pem`)).rejects.toThrow();
    expect(server.requested.length - before).toBe(2);
  });
});

describe('createSubscriptionConfirmer', () => {
  it('GETs an allow-listed SubscribeURL', async () => {
    const confirm = createSubscriptionConfirmer({
      allowedHosts: { 'aws-sns': loopbackRule(server) },
      fetch: server.fetch,
    });
    const before = server.requested.length;
    await confirm(`${server.origin}/confirm?Action=ConfirmSubscription&Token=t1`);
    expect(server.requested.slice(before)).toEqual(['/confirm?Action=ConfirmSubscription&Token=t1']);
    await expect(confirm(`${server.origin}/missing.pem`)).rejects.toThrow(/answered 404/);
  });

  it('refuses a SubscribeURL off the SNS hosts without any connection', async () => {
    const confirm = createSubscriptionConfirmer({ fetch: server.fetch });
    const calls = server.fetch.calls.length;
    await expect(confirm(`${server.origin}/confirm`)).rejects.toThrow(/not an allow-listed host for aws-sns/);
    await expect(confirm('https://api.paypal.com/confirm')).rejects.toThrow(/allow-listed/);
    expect(server.fetch.calls.length).toBe(calls);
  });
});
