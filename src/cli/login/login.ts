import { createInterface } from 'node:readline/promises';
import { CliError } from '../cli-error.js';
import { ApiClient } from '../client/api-client.js';
import { DEFAULT_SERVER, normalizeServer, readLogin, saveLogin } from '../client/credentials.js';
import type { ServerFlags } from '../client/server-options.js';

/**
 * `hookd login`: the server (flag, HOOKD_SERVER, the saved one, the default) and token (flag,
 * HOOKD_TOKEN, asked on a terminal) are checked against the server before they are saved, so a
 * typo fails here rather than in the next command.
 */
export async function login(flags: ServerFlags): Promise<number> {
  const server = normalizeServer(flags.server || process.env.HOOKD_SERVER || readLogin().server || DEFAULT_SERVER);
  const token = flags.token || process.env.HOOKD_TOKEN || (await askToken());
  // A route any valid token may read (admin and app tokens): a 401 is a bad token.
  await new ApiClient({ server, token }).request('GET', '/api/v1/event-type?limit=1');
  const path = saveLogin({ server, token });
  console.error(`logged in to ${server}; saved to ${path}`);
  return 0;
}

async function askToken(): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError('no token: pass --token or set HOOKD_TOKEN', 2);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const token = (await prompt.question('API token: ')).trim();
    if (!token) throw new CliError('no token given', 2);
    return token;
  } finally {
    prompt.close();
  }
}
