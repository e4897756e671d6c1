import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { addSettingOptions, settingArgv } from './setting-options.js';

/** `hookd prune --before DATE`: clears payloads and request bodies from before DATE now (see ../prune.ts). */
export function registerPrune(program: Command): void {
  const command = program
    .command('prune')
    .description('clear message payloads and request bodies from before a date, now')
    .requiredOption('--before <date>', 'ISO 8601 date or date-time (2026-01-31 is midnight UTC)')
    .addHelpText(
      'after',
      `
Example:
  $ hookd prune --before 2026-01-31`,
    );
  addSettingOptions(command).action(async (options: Record<string, unknown>) => {
    const config = loadConfig({ argv: settingArgv(options) });
    process.exitCode = await (await import('../prune.js')).prune(String(options.before), config);
  });
}
