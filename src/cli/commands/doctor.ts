import type { Command } from 'commander';
import type { DoctorOptions } from '../doctor/doctor.js';
import { positiveSeconds, wholeNumber } from './option-values.js';

/** `hookd doctor <url>`: checks a webhook receiver against the Standard Webhooks spec. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check a webhook receiver: signatures, timestamps, duplicates, latency, size, redirects')
    .argument('<url>', 'the receiver’s URL')
    .requiredOption('--secret <secret>', 'the secret the receiver verifies with (whsec_… for Standard Webhooks)')
    .option('--provider <type>', 'check against a provider’s scheme instead (stripe, github, ...)', 'standard-webhooks')
    .option('--concurrency <n>', 'concurrent requests for the latency check', wholeNumber(1), 10)
    .option('--budget-ms <ms>', 'the p99 latency the receiver must stay within', wholeNumber(1), 1000)
    .option('--timeout <seconds>', 'how long to wait for one answer', positiveSeconds, 15)
    .option('--json', 'print one JSON object: {ok, checks: [{name, pass, evidence}]}')
    .addHelpText(
      'after',
      `
Checks: accepts a correctly signed request (2xx); rejects a bad signature, a stale and a future
timestamp, a missing signature (4xx); answers a duplicate delivery without error; answers N
concurrent requests within the budget (p50/p99); accepts a 1 MiB payload; answers without a redirect.

Exit status: 0 when no check fails, so it can run in a receiver's CI.

Example:
  $ hookd doctor http://localhost:3000/webhooks --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`,
    )
    .action(async (url: string, options: DoctorOptions) => {
      process.exitCode = await (await import('../doctor/doctor.js')).doctor(url, options);
    });
}
