#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { CliError } from './cli-error.js';
import { registerApi } from './commands/api.js';
import { registerDoctor } from './commands/doctor.js';
import { registerListen } from './listen/register-listen.js';
import { registerLogin } from './commands/login.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPrune } from './commands/prune.js';
import { registerRotateMasterKey } from './commands/rotate-master-key.js';
import { registerSend } from './commands/send.js';
import { registerServe } from './commands/serve.js';
import { registerToken } from './commands/token.js';
import { registerTrigger } from './commands/trigger.js';
import { registerVerify } from './commands/verify.js';
import { stderrPalette } from './output/colors.js';

/**
 * The `hookd` command. Each command is a module under commands/ that registers itself and imports
 * what it runs only when it runs: the server's modules (fastify, ajv, undici...) take most of a
 * second of CPU to load, which `--help`, `send` or a bad setting need not pay.
 */
const REGISTRATIONS: ((program: Command) => void)[] = [
  registerServe,
  registerToken,
  registerMigrate,
  registerRotateMasterKey,
  registerPrune,
  registerLogin,
  registerListen,
  registerSend,
  registerTrigger,
  registerVerify,
  registerDoctor,
  registerApi,
];

function buildProgram(): Command {
  const program = new Command('hookd')
    .description('webhooks infrastructure: send, receive and inspect webhooks')
    .version('hookd 0.1.0', '--version')
    // Help titles in bold on a terminal; commander strips styles when stdout is not a TTY or
    // NO_COLOR is set.
    .configureHelp({ styleTitle: (title) => `\u001b[1m${title}\u001b[22m` })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const register of REGISTRATIONS) register(program);
  program.addHelpText(
    'after',
    `
Examples:
  $ hookd serve                          # API + delivery on http://127.0.0.1:8071, data in ./.hookd
  $ hookd token create --app acme        # a token limited to one application
  $ hookd send --app acme --event-type invoice.paid --payload '{"id":"in_1"}' --wait
  $ hookd trigger stripe charge.succeeded --to http://localhost:3000/webhooks --secret whsec_...
  $ hookd verify --provider stripe --secret whsec_... --file request.json
  $ hookd doctor http://localhost:3000/webhooks --secret whsec_...

Every command has --help with an example. Server settings come from flags, HOOKD_* environment
variables or hookd.config.json; see docs/configuration.md and docs/cli.md.`,
  );
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    // commander has printed its message (unknown command, missing option...); help and --version
    // end here too, with exit code 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

// `hookd --help | head`: a reader that stops reading is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (err: unknown) => {
    const known = err instanceof ConfigError || err instanceof CliError;
    console.error(`${stderrPalette().bad('hookd:')} ${known ? err.message : (err as Error).stack}`);
    process.exit(err instanceof CliError ? err.exitCode : err instanceof ConfigError ? 2 : 1);
  },
);
