import type { Command } from 'commander';
import { positiveSeconds } from './option-values.js';
import type { TriggerOptions } from '../trigger/trigger.js';
import { describeSamples } from '../trigger/sample-events.js';

/** `hookd trigger`: sends a provider's sample event, signed as the provider signs, to any URL. */
export function registerTrigger(program: Command): void {
  program
    .command('trigger')
    .description('send a provider’s sample event, signed exactly as the provider signs, to a URL')
    .argument('<provider>', 'stripe, github, shopify, slack, twilio, standard-webhooks, linear')
    .argument('<event>', 'the event, e.g. charge.succeeded, push, orders/create')
    .requiredOption('--to <url>', 'where to send it')
    .requiredOption('--secret <secret>', 'the signing secret your receiver checks with')
    .option('--timeout <seconds>', 'how long to wait for the answer', positiveSeconds, 15)
    .option('--json', 'print one JSON object: the answer and the request sent')
    .addHelpText(
      'after',
      `
Events:
${describeSamples()}

Exit status: 0 when the receiver answers 2xx.

Examples:
  $ hookd trigger stripe charge.succeeded --to http://localhost:3000/webhooks --secret whsec_...
  $ hookd trigger github push --to http://localhost:3000/github --secret my-github-secret`,
    )
    .action(async (provider: string, event: string, options: TriggerOptions) => {
      process.exitCode = await (await import('../trigger/trigger.js')).trigger(provider, event, options);
    });
}
