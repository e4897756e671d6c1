import type { Command } from 'commander';
import { wholeNumber } from './option-values.js';
import { addSettingOptions, settingArgv } from './setting-options.js';

/** `hookd token create`: mints an API token in the store (admin, or limited to one app). */
export function registerToken(program: Command): void {
  const token = program.command('token').description('manage API tokens');
  const create = token
    .command('create')
    .description('mint an API token (admin, or limited to one application) and print it')
    .option('--app <id|uid>', 'limit the token to this application')
    .option('--expires-in <seconds>', 'the token expires after this many seconds', wholeNumber(1))
    .addHelpText(
      'after',
      `
Example:
  $ hookd token create --app acme --expires-in 86400`,
    );
  addSettingOptions(create).action(async (options: Record<string, unknown>) => {
    const { createToken } = await import('../token.js');
    const app = (options.app as string | undefined) ?? null;
    const expiresInSeconds = (options.expiresIn as number | undefined) ?? null;
    process.exitCode = await createToken({ app, expiresInSeconds }, settingArgv(options));
  });
}
