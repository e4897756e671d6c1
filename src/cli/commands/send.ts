import type { Command } from 'commander';
import { positiveSeconds } from './option-values.js';
import { addServerOptions } from '../client/server-options.js';
import type { SendOptions } from '../send/send.js';

/** `hookd send`: creates a message, optionally waiting for its delivery. */
export function registerSend(program: Command): void {
  const command = program
    .command('send')
    .description('send a message to an application’s endpoints, and optionally wait for its delivery')
    .requiredOption('--app <id|uid>', 'the application')
    .requiredOption('--event-type <name>', 'the event type, e.g. invoice.paid')
    .option('--payload <json>', 'the payload, a JSON object (else --file, else stdin)')
    .option('--file <path>', 'read the payload from this file')
    .option('--wait', 'wait until each endpoint was delivered to or failed; show the request as it arrived')
    .option('--timeout <seconds>', 'how long --wait waits', positiveSeconds, 60)
    .option('--json', 'print one JSON object (no progress line)')
    .addHelpText(
      'after',
      `
Exit status: 0 when sent; with --wait, 0 only when every endpoint got it (and, for an endpoint that
is a source of this hookd, its signature verified).

Examples:
  $ hookd send --app acme --event-type invoice.paid --payload '{"id":"in_1"}' --wait
  $ echo '{"id":"in_2"}' | hookd send --app acme --event-type invoice.paid --json`,
    );
  addServerOptions(command).action(async (options: SendOptions) => {
    process.exitCode = await (await import('../send/send.js')).send(options);
  });
}
