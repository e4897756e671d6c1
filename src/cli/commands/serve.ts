import type { Command } from 'commander';
import { addSettingOptions, settingArgv } from './setting-options.js';

/** `hookd serve`: the API and the delivery engine, until SIGTERM or SIGINT. */
export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description('run the API and the delivery engine')
    .addHelpText(
      'after',
      `
Flags > HOOKD_* environment > hookd.config.json > defaults (docs/configuration.md).

Example:
  $ hookd serve --port 8071 --allowed-networks 127.0.0.0/8`,
    );
  addSettingOptions(command).action(async (options: Record<string, unknown>) => {
    // Imported when run: the server's modules take most of a second to load.
    process.exitCode = await (await import('../serve.js')).serve(settingArgv(options));
  });
}
