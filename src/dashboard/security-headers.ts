/**
 * The Content-Security-Policy of the dashboard's pages: scripts and styles from hookd's own origin
 * only (the bundle has no inline script or style element; styles set from script go through the
 * CSSOM, which CSP allows), no plugins, no base rewriting, forms post only to hookd, fetches only
 * to hookd. `frameAncestors` are the CSP sources that may frame the page (none: `'none'`).
 */
export function contentSecurityPolicy(frameAncestors: readonly string[]): string {
  const ancestors = frameAncestors.length === 0 ? "'none'" : frameAncestors.map(toSource).join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

const toSource = (source: string) => (source === 'self' ? "'self'" : source);

/** Headers every page and asset of the dashboard carries. */
export function pageHeaders(frameAncestors: readonly string[]): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(frameAncestors),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
}
