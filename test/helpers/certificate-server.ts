import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { Agent, fetch as undiciFetch } from 'undici';

/** A self-signed certificate and its RSA key, as PEM (also usable as a provider's signing cert). */
export interface TestCertificate {
  cert: string;
  key: string;
}

/** Generates an RSA-2048 certificate for `commonName`, valid over [notBefore, notAfter]. */
export async function generateCertificate(
  commonName: string,
  options: { notBefore?: Date; notAfter?: Date; ip?: string } = {},
): Promise<TestCertificate> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: options.notBefore ?? new Date(Date.now() - 60_000),
    notAfterDate: options.notAfter ?? new Date(Date.now() + 24 * 3600_000),
    extensions: options.ip ? [{ name: 'subjectAltName', altNames: [{ type: 7, ip: options.ip }] }] : undefined,
  });
  return { cert: pems.cert, key: pems.private };
}

export interface CertificateServer {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  /** The server's own TLS certificate (PEM), for a client to trust. */
  ca: string;
  /** Paths requested, in order (query included). */
  requested: string[];
  /** A fetch that trusts this server's TLS certificate; `calls` counts its uses. */
  fetch: typeof fetch & { calls: string[] };
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * An HTTPS server on loopback with a self-signed certificate made for it, answering each path
 * with its handler (404 otherwise). Tests serve provider certificates from it.
 */
export async function startCertificateServer(routes: Record<string, Handler>): Promise<CertificateServer> {
  const tls = await generateCertificate('127.0.0.1', { ip: '127.0.0.1' });
  const requested: string[] = [];
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    requested.push(req.url ?? '');
    const handler = routes[new URL(req.url ?? '/', 'https://x').pathname];
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dispatcher = new Agent({ connect: { ca: tls.cert } });
  const calls: string[] = [];
  const trustingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push(url);
    // Never anything but this loopback server, whatever a test's rule lets through.
    if (!url.startsWith(`${origin}/`)) throw new Error(`test fetch refused a non-loopback URL: ${url}`);
    return undiciFetch(url, { ...(init as object), dispatcher }) as unknown as Response;
  }) as typeof fetch & { calls: string[] };
  trustingFetch.calls = calls;
  return {
    origin,
    ca: tls.cert,
    requested,
    fetch: trustingFetch,
    close: async () => {
      await dispatcher.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A rule for `allowedHosts` accepting exactly this server's origin. */
export function loopbackRule(server: CertificateServer): (url: URL) => boolean {
  return (url) => url.origin === server.origin;
}
