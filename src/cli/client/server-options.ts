import type { Command } from 'commander';

/** The flags every command that calls a hookd server takes. */
export interface ServerFlags {
  server?: string;
  token?: string;
}

/** Adds `--server` and `--token` (resolved by resolveCredentials: flag, environment, saved login). */
export function addServerOptions(command: Command): Command {
  return command
    .option('--server <url>', 'hookd base URL (default: HOOKD_SERVER, hookd login, http://127.0.0.1:8071)')
    .option('--token <token>', 'API token (default: HOOKD_TOKEN, then hookd login)');
}
