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

/** A copy of `headers` with the values of sensitive headers replaced, for logs and attempt rows. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isSensitiveHeader(name) ? REDACTED : value;
  return out;
}
