import { request } from 'undici';

export interface ApiResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or `null` for an empty body. */
  body: T;
  text: string;
}

export interface CallOptions {
  /** A value to send as JSON, or a string to send as is (e.g. malformed JSON). */
  body?: unknown;
  /** Overrides the client's token; `null` sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

/**
 * A small JSON client over real HTTP (undici), for API tests: `api.post('/api/v1/app', { body })`.
 * Never throws on an HTTP status, so tests assert on it.
 */
export function createApiClient(baseUrl: string, token: string | null) {
  async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const auth = options.token === undefined ? token : options.token;
    if (auth !== null) headers.authorization = `Bearer ${auth}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await request(baseUrl + path, { method: method as 'GET', headers, body });
    const text = await response.body.text();
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.statusCode, headers: response.headers, body: parsed as T, text };
  }
  return {
    call,
    get: <T = any>(path: string, options?: CallOptions) => call<T>('GET', path, options),
    post: <T = any>(path: string, options?: CallOptions) => call<T>('POST', path, options),
    put: <T = any>(path: string, options?: CallOptions) => call<T>('PUT', path, options),
    patch: <T = any>(path: string, options?: CallOptions) => call<T>('PATCH', path, options),
    delete: <T = any>(path: string, options?: CallOptions) => call<T>('DELETE', path, options),
    head: <T = any>(path: string, options?: CallOptions) => call<T>('HEAD', path, options),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
