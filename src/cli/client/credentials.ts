import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from '../cli-error.js';

/** Where a client command talks to: a hookd base URL and an API token. */
export interface ServerCredentials {
  server: string;
  token: string;
}

/** hookd's own default address (`hookd serve` with no settings). */
export const DEFAULT_SERVER = 'http://127.0.0.1:8071';

/**
 * The file `hookd login` writes: `$XDG_CONFIG_HOME/hookd/login.json`, else
 * `~/.config/hookd/login.json`. JSON `{server, token}`, mode 0600 (it holds a token).
 */
export function loginFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'hookd', 'login.json');
}

/** What `hookd login` saved, or nothing when there is no file. Throws CliError on an unreadable one. */
export function readLogin(env: NodeJS.ProcessEnv = process.env): Partial<ServerCredentials> {
  const path = loginFilePath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const saved = JSON.parse(text) as Record<string, unknown>;
    return {
      server: typeof saved.server === 'string' ? saved.server : undefined,
      token: typeof saved.token === 'string' ? saved.token : undefined,
    };
  } catch {
    throw new CliError(`${path} is not valid JSON: run hookd login again`);
  }
}

/** Saves credentials for later commands, readable by this user only (0600, also when it existed). */
export function saveLogin(credentials: ServerCredentials, env: NodeJS.ProcessEnv = process.env): string {
  const path = loginFilePath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created: an older file keeps its mode otherwise.
  chmodSync(path, 0o600);
  return path;
}

/**
 * Resolves the server and token: `--server`/`--token` flags, then `HOOKD_SERVER`/`HOOKD_TOKEN`,
 * then `hookd login`'s file; the server defaults to hookd's own default address. Throws CliError
 * when no token is found anywhere or the server is not an http(s) URL.
 */
export function resolveCredentials(
  flags: { server?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): ServerCredentials {
  const saved = readLogin(env);
  const server = flags.server || env.HOOKD_SERVER || saved.server || DEFAULT_SERVER;
  const token = flags.token || env.HOOKD_TOKEN || saved.token;
  if (!token) {
    throw new CliError('no API token: pass --token, set HOOKD_TOKEN, or run hookd login', 2);
  }
  return { server: normalizeServer(server), token };
}

/** Checks a server URL and drops trailing slashes. Throws CliError (exit 2) when it is not http(s). */
export function normalizeServer(server: string): string {
  const url = URL.canParse(server) ? new URL(server) : null;
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new CliError(`the server ${JSON.stringify(server)} is not an http(s) URL`, 2);
  }
  return server.replace(/\/+$/, '');
}
