/**
 * The REST API, as the browser calls it. The dashboard authenticates with its HttpOnly session
 * cookie (set by `POST /api/v1/session`), and marks every request with `x-hookd-csrf`, which a
 * cookie-authenticated change must carry. The app portal instead holds its app token in memory
 * (from the URL fragment, never stored) and sends it as a bearer token.
 */

/** An error as the API words it (`{code, detail}`; a 422's detail is a list of problems). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

let bearer: string | null = null;

/** The portal's app token: sent as `Authorization: Bearer`, kept in memory only. */
export function useBearerToken(token: string | null): void {
  bearer = token;
}

/** Called when the API answers 401 (the session ended): the app shows the login form. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const text = await apiText(method, path, body === undefined ? undefined : JSON.stringify(body));
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/**
 * The response's JSON text as the API sent it, with `bodyText` (JSON text) sent as is: for a
 * payload or schemas, whose numbers `JSON.parse` and `JSON.stringify` would change (`1.0`,
 * `12345678901234567890`). `''` for a 204.
 */
export async function apiText(method: string, path: string, bodyText?: string): Promise<string> {
  const headers: Record<string, string> = { 'x-hookd-csrf': '1', accept: 'application/json' };
  if (bodyText !== undefined) headers['content-type'] = 'application/json';
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(path, { method, headers, body: bodyText, credentials: 'same-origin' });
  const text = response.status === 204 ? '' : await response.text();
  if (!response.ok) {
    if (response.status === 401 && !path.endsWith('/session')) onUnauthorized();
    throw toApiError(response.status, text === '' ? null : safeParse(text), text);
  }
  return text;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function toApiError(status: number, json: unknown, text: string): ApiError {
  const body = (json ?? {}) as { code?: string; detail?: unknown };
  const detail = Array.isArray(body.detail)
    ? body.detail.map((d: { loc?: string[]; msg?: string }) => `${(d.loc ?? []).join('.')}: ${d.msg}`).join('; ')
    : typeof body.detail === 'string'
      ? body.detail
      : text || `HTTP ${status}`;
  return new ApiError(status, body.code ?? `http_${status}`, detail);
}

export interface Page<T> {
  data: T[];
  iterator: string | null;
  done: boolean;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = (path: string) => api<void>('DELETE', path);

/** `encodeURIComponent` for a path segment. */
export const seg = encodeURIComponent;
