import { CliError } from '../cli-error.js';
import type { ServerCredentials } from './credentials.js';

/** How long one API call may take before the CLI gives up on it. */
const REQUEST_TIMEOUT_MS = 30_000;

/** An error answer of hookd's API: its status and `{code, detail}`. */
export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  /** A value sent as JSON; or `bodyText`, JSON text sent as is (a payload whose numbers must not change). */
  body?: unknown;
  bodyText?: string;
  /** What a 404 means to the user, e.g. `no application "acme"`; else the server's detail. */
  notFound?: string;
}

/**
 * A small client of hookd's REST API for the CLI's commands. Every failure is an `ApiError` or
 * `CliError` whose message says what to do: the server unreachable, the token refused, a resource
 * unknown, or the server's own `{code, detail}`.
 */
export class ApiClient {
  constructor(private readonly credentials: ServerCredentials) {}

  get server(): string {
    return this.credentials.server;
  }

  /** Sends one request to `path` (e.g. `/api/v1/app`); resolves with the parsed JSON answer (or null for 204). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.requestText<T>(method, path, options)).json;
  }

  /**
   * `request`, with the answer's text as hookd sent it beside its parsed value: for a payload,
   * whose numbers `JSON.parse` would change (`1.0`, `12345678901234567890`). `text` is `''` for 204.
   */
  async requestText<T>(method: string, path: string, options: RequestOptions = {}): Promise<{ json: T; text: string }> {
    const body = options.bodyText ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const response = await this.send(method, path, body);
    const text = await response.text();
    const json = parseJson(text);
    if (response.ok) {
      if (text !== '' && json === undefined) throw this.notHookd(response.status);
      return { json: (json ?? null) as T, text };
    }
    throw this.errorFor(method, path, response.status, json, options.notFound);
  }

  private async send(method: string, path: string, body: string | undefined): Promise<Response> {
    const url = `${this.credentials.server}${path}`;
    try {
      return await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.credentials.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw this.unreachable(err);
    }
  }

  private unreachable(err: unknown): CliError {
    const error = err as Error & { cause?: { code?: string; message?: string } };
    if (error.name === 'TimeoutError') {
      return new CliError(`hookd at ${this.server} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
    }
    const reason = error.cause?.code ?? error.cause?.message ?? error.message;
    return new CliError(
      `cannot reach hookd at ${this.server} (${reason}): is it running? ` +
        'Point to it with --server, HOOKD_SERVER or hookd login',
    );
  }

  private notHookd(status: number): CliError {
    return new CliError(`${this.server} answered ${status} with a body that is not JSON: is it a hookd server?`);
  }

  private errorFor(method: string, path: string, status: number, json: unknown, notFound?: string): CliError {
    if (json === undefined || json === null || typeof json !== 'object') return this.notHookd(status);
    const { code = 'error', detail } = json as { code?: string; detail?: unknown };
    if (status === 401) {
      return new ApiError(
        `hookd at ${this.server} refused the token (401 ${code}): pass --token, set HOOKD_TOKEN, or run hookd login`,
        status,
        code,
      );
    }
    if (status === 403) {
      return new ApiError(`this token may not ${method} ${path} (403 ${code})`, status, code);
    }
    if (status === 404 && notFound) return new ApiError(notFound, status, code);
    return new ApiError(`${method} ${path}: ${status} ${code}: ${describeDetail(detail)}`, status, code);
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A Svix-shaped detail: a string, or a 422's `[{loc, msg}]` as `body.url: msg; ...`. */
function describeDetail(detail: unknown): string {
  if (!Array.isArray(detail)) return String(detail ?? '');
  return detail
    .map((item: { loc?: unknown[]; msg?: string }) => `${(item.loc ?? []).join('.')}: ${item.msg ?? ''}`)
    .join('; ');
}
