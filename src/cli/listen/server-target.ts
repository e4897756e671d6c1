/** The hookd server a CLI command talks to, and the admin token it sends. */
export interface ServerTarget {
  /** Base URL, without a trailing slash: `http://127.0.0.1:8071`. */
  url: string;
  token: string;
}

/** `hookd serve`'s address on a laptop. */
const DEFAULT_SERVER = 'http://127.0.0.1:8071';

/** A setting the user must fix: the command prints it and exits 2. */
export class UsageError extends Error {}

/**
 * `--server` and `--token`, else `HOOKD_SERVER` and `HOOKD_TOKEN`, else the local default
 * server; a token is required. (The `hookd login` file comes with the shared client plumbing:
 * this is the smallest resolution `listen` needs until then.)
 */
export function resolveServer(
  flags: { server?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): ServerTarget {
  const url = flags.server ?? env.HOOKD_SERVER ?? DEFAULT_SERVER;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--server must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`--server must be an http(s) URL, got ${JSON.stringify(url)}`);
  const token = flags.token ?? env.HOOKD_TOKEN;
  if (!token) throw new UsageError('no token: pass --token or set HOOKD_TOKEN (an admin token of the server)');
  return { url: url.replace(/\/+$/, ''), token };
}
