import type { HeaderList } from './types.js';

const SENSITIVE_NAMES = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/**
 * Whether a header's value is a credential that hookd must not show back: the well-known
 * credential headers, and any name that mentions a token, secret, key, password or signature.
 */
export function isSensitiveHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE_NAMES.has(lower) || /token|secret|api-?key|password|signature/.test(lower);
}

const REDACTED = '<redacted>';

/**
 * A copy of `headers` (a request's, in order) with the values of sensitive headers replaced, for logs and attempt rows.
 * From a list, a repeated name becomes one entry with the values joined by `, ` (HTTP's list form).
 */
export function redactHeaders(headers: HeaderList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const shown = isSensitiveHeader(name) ? REDACTED : value;
    out[name] = Object.hasOwn(out, name) && shown !== REDACTED ? `${out[name]}, ${shown}` : shown;
  }
  return out;
}
