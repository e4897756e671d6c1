import { type Command, InvalidArgumentError } from 'commander';
import { addServerOptions } from '../client/server-options.js';
import type { VerifyOptions } from '../verify/verify-command.js';

/** `hookd verify`: is a captured request's signature valid, and if not, why. */
export function registerVerify(program: Command): void {
  const command = program
    .command('verify')
    .description('check the signature of a captured request (a file, or a request stored by hookd)')
    .requiredOption('--provider <type>', 'a verification type: stripe, github, shopify, standard-webhooks, ...')
    .requiredOption('--secret <secret>', 'the signing secret')
    .option('--file <request.json>', 'a request saved as JSON: {method, url?, path, query, headers, body}')
    .option('--request <id>', 'a request stored by hookd (GET /api/v1/request/{id})')
    .option('--url <url>', 'the URL the sender called (for providers that sign it: Twilio, HubSpot, Square)')
    .option('--at <time>', 'verify as of this time (ISO 8601 or Unix seconds), for an old capture', parseTime)
    .option('--json', 'print one JSON object: {valid, cause?, detail?, why?}')
    .addHelpText(
      'after',
      `
The file is the shape GET /api/v1/request/{id} returns (body in base64), so a captured request can
be saved and checked later; a hand-written one may give "bodyEncoding": "utf8" and headers as an
object. See docs/cli.md.

Exit status: 0 only when the signature is valid.

Examples:
  $ hookd verify --provider stripe --secret whsec_... --request req_0ERv...
  $ hookd verify --provider github --secret my-secret --file request.json`,
    );
  addServerOptions(command).action(async (options: VerifyOptions) => {
    process.exitCode = await (await import('../verify/verify-command.js')).verifyCaptured(options);
  });
}

function parseTime(raw: string): number {
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('needs an ISO 8601 time or Unix seconds');
  return ms;
}
