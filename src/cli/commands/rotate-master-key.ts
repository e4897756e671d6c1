import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { addSettingOptions, settingArgv } from './setting-options.js';

/** `hookd rotate-master-key`: re-encrypts every stored secret under a new master key (see ../rotate-master-key.ts). */
export function registerRotateMasterKey(program: Command): void {
  const command = program
    .command('rotate-master-key')
    .description('re-encrypt stored secrets under a new master key (stop hookd first)')
    .addHelpText(
      'after',
      `
Example:
  $ hookd rotate-master-key --data-dir ./.hookd`,
    );
  addSettingOptions(command).action(async (options: Record<string, unknown>) => {
    const config = loadConfig({ argv: settingArgv(options) });
    process.exitCode = await (await import('../rotate-master-key.js')).rotateMasterKey(config);
  });
}
