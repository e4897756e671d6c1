import { LRUCache } from 'lru-cache';
import { SignatureError } from '../errors.js';
import { type CertificateHostRules, checkCertificateUrl, DEFAULT_CERTIFICATE_HOSTS } from './certificate-hosts.js';
import { readCapped } from './read-capped.js';
import type { CertificateFetcher } from './types.js';

export interface CertificateFetcherOptions {
  /**
   * Hosts certificates may come from, by verification type (default `DEFAULT_CERTIFICATE_HOSTS`:
   * PayPal's API hosts, `sns.<region>.amazonaws.com[.cn]`). A URL is fetched when any rule
   * accepts it; `https:` is always required. Tests pass a rule accepting their loopback server.
   */
  allowedHosts?: CertificateHostRules;
  /** The fetch to use (default the global one); tests pass one that trusts their test CA. */
  fetch?: typeof fetch;
  /** How long a fetched certificate is reused, in ms (default 1 hour). */
  cacheTtlMs?: number;
  /** How many certificates are kept (default 100; providers rotate a few). */
  cacheSize?: number;
  /** The largest certificate (or chain) accepted, in bytes (default 64 KiB). */
  maxBytes?: number;
  /** How long one fetch may take, in ms (default 5,000). */
  timeoutMs?: number;
}

export const DEFAULT_CERTIFICATE_CACHE_TTL_MS = 60 * 60 * 1000;
export const DEFAULT_CERTIFICATE_MAX_BYTES = 64 * 1024;
export const DEFAULT_CERTIFICATE_TIMEOUT_MS = 5_000;

/**
 * Creates the fetcher PayPal and AWS SNS verifiers get as `context.fetchCertificate`. The URL
 * comes from the request, so the sender controls it: it is checked against the allow-list before
 * any connection (no SSRF), redirects are refused rather than followed (a redirect could leave the
 * allow-list), the body is capped and must hold a PEM certificate. Results are cached per URL
 * (concurrent requests for one URL share one fetch); failures are not cached.
 * Rejects with `SignatureError` saying why.
 */
export function createCertificateFetcher(options: CertificateFetcherOptions = {}): CertificateFetcher {
  const rules = options.allowedHosts ?? DEFAULT_CERTIFICATE_HOSTS;
  const fetchFn = options.fetch ?? fetch;
  const maxBytes = options.maxBytes ?? DEFAULT_CERTIFICATE_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CERTIFICATE_TIMEOUT_MS;

  const cache = new LRUCache<string, string>({
    max: options.cacheSize ?? 100,
    ttl: options.cacheTtlMs ?? DEFAULT_CERTIFICATE_CACHE_TTL_MS,
    fetchMethod: async (href) => {
      let response: Response;
      try {
        response = await fetchFn(href, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new SignatureError(`fetching ${href} failed: ${error instanceof Error ? error.message : error}`);
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        const redirect = response.status >= 300 && response.status < 400;
        throw new SignatureError(
          redirect
            ? `${href} answered a redirect (${response.status}), not followed`
            : `${href} answered ${response.status}`,
        );
      }
      let text: string;
      try {
        text = await readCapped(response, maxBytes);
      } catch (error) {
        throw new SignatureError(`${href}: ${error instanceof Error ? error.message : error}`);
      }
      if (!text.includes('-----BEGIN CERTIFICATE-----'))
        throw new SignatureError(`${href} did not hold a PEM certificate`);
      return text;
    },
  });

  return async (raw, provider) => {
    const checked = checkCertificateUrl(raw, rules, provider);
    if (!checked.ok) throw new SignatureError(`certificate URL refused: ${checked.reason}`);
    const pem = await cache.fetch(checked.url.href);
    if (pem === undefined) throw new SignatureError(`no certificate at ${checked.url.href}`);
    return pem;
  };
}
