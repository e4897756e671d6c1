import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { addSettingOptions, settingArgv } from './setting-options.js';

/** `hookd migrate`: applies missing database migrations and exits. */
export function registerMigrate(program: Command): void {
  const command = program
    .command('migrate')
    .description('apply database migrations and exit')
    .addHelpText(
      'after',
      `
Example:
  $ HOOKD_DATABASE_URL=postgres://hookd@db/hookd hookd migrate`,
    );
  addSettingOptions(command).action(async (options: Record<string, unknown>) => {
    const config = loadConfig({ argv: settingArgv(options) });
    process.exitCode = await (await import('../migrate.js')).migrate(config);
  });
}
