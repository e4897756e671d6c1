import { resolveCredentials } from '../client/credentials.js';

/** The hookd server a CLI command talks to, and the admin token it sends. */
export interface ServerTarget {
  /** Base URL, without a trailing slash: `http://127.0.0.1:8071`. */
  url: string;
  token: string;
}

/** A setting the user must fix: the command prints it and exits 2. */
export class UsageError extends Error {}

/**
 * `--server` and `--token`, else `HOOKD_SERVER` and `HOOKD_TOKEN`, else what `hookd login` saved,
 * else the local default server (client/credentials.ts); a token is required (CliError, exit 2).
 */
export function resolveServer(
  flags: { server?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): ServerTarget {
  const { server, token } = resolveCredentials(flags, env);
  return { url: server, token };
}
