import type { Command } from 'commander';
import { addServerOptions, type ServerFlags } from '../client/server-options.js';

/** `hookd login`: checks a server URL and token, and saves them for the other commands. */
export function registerLogin(program: Command): void {
  const command = program
    .command('login')
    .description('check a server and token, and save them (mode 0600) for the other commands')
    .addHelpText(
      'after',
      `
Without --token, the token comes from HOOKD_TOKEN, else it is asked for on a terminal.
The file is $XDG_CONFIG_HOME/hookd/login.json (default ~/.config/hookd/login.json).

Example:
  $ hookd login --server http://127.0.0.1:8071 --token sk_...`,
    );
  addServerOptions(command).action(async (flags: ServerFlags) => {
    process.exitCode = await (await import('../login/login.js')).login(flags);
  });
}
