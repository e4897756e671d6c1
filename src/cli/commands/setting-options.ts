import { type Command, Option } from 'commander';
import { SETTING_FLAGS } from '../../config/config.js';

/**
 * Adds every server setting (`--port`, `--data-dir`, ...) to a command that opens the store or
 * runs the server, so `--help` lists them with their environment variable. loadConfig stays the
 * one place that reads and checks them: `settingArgv` hands the given ones back as argv.
 */
export function addSettingOptions(command: Command): Command {
  for (const { flag, env, expect } of SETTING_FLAGS) {
    command.addOption(new Option(`${flag} <value>`, `${expect} (env ${env})`));
  }
  return command;
}

/** The setting flags given on the command line, as `['--port', '3333', ...]` for loadConfig. */
export function settingArgv(options: Record<string, unknown>): string[] {
  const argv: string[] = [];
  for (const { flag } of SETTING_FLAGS) {
    const value = options[new Option(flag).attributeName()];
    if (typeof value === 'string') argv.push(flag, value);
  }
  return argv;
}
