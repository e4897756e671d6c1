import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { createAddressPolicy, parseHostAddress } from '../core/net/ip.js';

/**
 * Egress guard: hookd never sends to a private, loopback, link-local or otherwise non-public
 * address unless the operator allowed its network (`HOOKD_ALLOWED_NETWORKS`).
 *
 * Two checks, because a URL alone cannot settle it:
 * - `validateEndpointUrl`, when an endpoint is created or changed: the scheme, and an IP-literal
 *   host, so an obviously bad URL is refused with a message instead of failing every attempt.
 * - at send time (http-sender.ts): every address a host name resolves to, with the connection
 *   pinned to the checked address, so a DNS answer that changes later (rebinding) cannot slip in.
 */

/** Resolves a host name to every address it has; the sender checks them all before dialing. */
export type Resolver = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

/** The operating system's resolver (`getaddrinfo`, so /etc/hosts counts), all addresses. */
export const defaultResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

const ALLOWED_PROTOCOLS = new Set(['http:', 'https:']);

/**
 * Why `url` cannot be an endpoint URL, or `null` if it can. Host names pass: they are checked
 * after resolution, when sending. A URL with a part the sender would not send as written is
 * refused (`unsentPartProblem`), so the URL stored and shown is the URL requested.
 */
export function validateEndpointUrl(url: string, allowedNetworks: readonly string[]): string | null {
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (parsed === null) return 'endpoint URL is not a valid URL';
  return unsentPartProblem(url, parsed) ?? checkUrlTarget(parsed, createAddressPolicy(allowedNetworks));
}

/**
 * Parts of a URL that an HTTP request never carries, or that the WHATWG parser (undici's) silently
 * rewrites, each refused with what to do instead (hookd issue 8):
 * - userinfo (`user:pass@`): not sent as Basic auth, and it would be shown wherever the URL is
 *   (endpoint, attempts); credentials belong in a header;
 * - a fragment (`#…`): never sent to the server;
 * - whitespace and control characters: tabs and newlines are dropped, spaces at either end trimmed;
 * - a backslash: read as `/` in http(s) URLs, so other parsers disagree on the host.
 */
function unsentPartProblem(url: string, parsed: URL): string | null {
  if (hasSpaceOrControl(url)) {
    return 'endpoint URL must not contain spaces or control characters; percent-encode them (%20)';
  }
  if (url.includes('\\')) return 'endpoint URL must not contain a backslash; percent-encode it (%5C)';
  if (url.includes('#')) return 'endpoint URL must not contain a fragment (#...): it is never sent to the server';
  // `http://@host/` parses to an empty user name: the raw authority tells.
  const afterScheme = url.indexOf('//');
  const authority = afterScheme < 0 ? '' : url.slice(afterScheme + 2).split(/[/?]/, 1)[0];
  if (parsed.username !== '' || parsed.password !== '' || authority.includes('@')) {
    return "endpoint URL must not contain a user name or password (user:pass@): they are not sent; put the credentials in an Authorization header instead (headers, or a destination's basicAuth)";
  }
  return null;
}

/** C0 controls, space and DEL: what the WHATWG parser strips or drops from a URL. */
function hasSpaceOrControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * The check of `validateEndpointUrl` on a parsed URL with a prepared policy; the sender runs
 * it before every request so IP literals (which never reach a resolver) are refused too.
 */
export function checkUrlTarget(url: URL, isAllowedAddress: (address: string) => boolean): string | null {
  if (!ALLOWED_PROTOCOLS.has(url.protocol)) {
    return `endpoint URL must use http or https, not ${url.protocol.slice(0, -1)}`;
  }
  // WHATWG URL has already turned `0x7f000001`, `127.1` and friends into dotted form for http(s);
  // parseHostAddress still reads every form, so nothing depends on that.
  const literal = parseHostAddress(url.hostname);
  if (literal !== null && !isAllowedAddress(literal.address)) {
    return refusedAddressMessage('endpoint URL points to', literal.address);
  }
  return null;
}

/**
 * The refusal message for a non-public address, naming the setting that allows it; `subject` says
 * how the address was reached ("endpoint URL points to", "example.com resolves to").
 */
function refusedAddressMessage(subject: string, address: string): string {
  return `${subject} a private or reserved address (${address}); allow it with HOOKD_ALLOWED_NETWORKS`;
}

/** The `code` of the error a checked lookup fails a connection with; the sender reports `refused`. */
export const ADDRESS_REFUSED_CODE = 'ERR_HOOKD_ADDRESS_REFUSED';

/**
 * A `lookup` for net/tls.connect that resolves with `resolve` and hands the socket only the
 * addresses `isAllowedAddress` accepts, so what is dialed is what was checked. A mixed answer
 * is narrowed to its allowed addresses (`localhost` → ::1 and 127.0.0.1 still works when only
 * 127.0.0.0/8 is allowed); an answer with none fails with `ADDRESS_REFUSED_CODE` before any
 * connection is attempted.
 */
export function createCheckedLookup(resolve: Resolver, isAllowedAddress: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    resolve(hostname).then(
      (answers) => {
        const checked = answers.filter((a) => (family === 0 || a.family === family) && isAllowedAddress(a.address));
        if (checked.length > 0) {
          if (options.all) callback(null, checked);
          else callback(null, checked[0].address, checked[0].family);
          return;
        }
        const refused = answers.find((a) => !isAllowedAddress(a.address));
        const err = refused
          ? Object.assign(new Error(refusedAddressMessage(`${hostname} resolves to`, refused.address)), {
              code: ADDRESS_REFUSED_CODE,
            })
          : Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' });
        callback(err, '', 0);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
