/**
 * The dashboard's session cookie: `hookd_session=<token>`, HttpOnly (scripts cannot read it),
 * SameSite=Strict (no other site's page sends it), `Secure` when hookd is served over https. The
 * token is a stored admin token (its SHA-256 in the tokens table, an expiry), so the sessions are
 * server-side and hashed like every token, and a logout deletes the row.
 */
export const SESSION_COOKIE = 'hookd_session';

/** Sessions last this long (a login again afterwards). */
export const SESSION_SECONDS = 12 * 60 * 60;

/**
 * Cookie-authenticated requests that change something must carry this header (any value). A page
 * of another origin cannot set a custom header without a CORS preflight, which hookd never grants:
 * with SameSite=Strict, the second guard against cross-site request forgery.
 */
export const CSRF_HEADER = 'x-hookd-csrf';

/** The session token in a `Cookie` header, or null. */
export function sessionTokenOf(cookieHeader: string | undefined): string | null {
  if (cookieHeader === undefined) return null;
  for (const part of cookieHeader.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return rest.join('=') || null;
  }
  return null;
}

/** The `Set-Cookie` value that sets (a token) or clears (null) the session. */
export function sessionCookie(token: string | null, secure: boolean): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  const maxAge = token === null ? 0 : SESSION_SECONDS;
  return [`${SESSION_COOKIE}=${token ?? ''}`, `Max-Age=${maxAge}`, ...attributes].join('; ');
}
