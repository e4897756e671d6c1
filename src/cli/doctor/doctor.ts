import { providers } from '../../core/verify/providers.js';
import { CliError } from '../cli-error.js';
import { stdoutPalette } from '../output/colors.js';
import { createProgress } from '../output/progress.js';
import { type CheckResult, runChecks } from './doctor-checks.js';

export interface DoctorOptions {
  secret: string;
  provider: string;
  concurrency: number;
  budgetMs: number;
  timeout: number;
  json?: boolean;
}

/**
 * `hookd doctor <url>`: checks a receiving endpoint against the Standard Webhooks spec (or a
 * provider's scheme) and prints a pass/fail table with evidence. Exit 0 only when no check fails.
 */
export async function doctor(url: string, options: DoctorOptions): Promise<number> {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new CliError(`${JSON.stringify(url)} is not an http(s) URL`, 2);
  }
  const spec = Object.hasOwn(providers, options.provider) ? providers[options.provider] : undefined;
  if (!spec?.sign) {
    const signing = Object.keys(providers).filter((type) => providers[type].sign);
    throw new CliError(
      `--provider: ${JSON.stringify(options.provider)} is not one hookd signs: ${signing.join(', ')}`,
      2,
    );
  }
  const progress = createProgress(options.json === true);
  const results = await runChecks(
    {
      url,
      secret: options.secret,
      spec,
      concurrency: options.concurrency,
      budgetMs: options.budgetMs,
      timeoutMs: options.timeout * 1000,
    },
    (name) => progress.update(`checking: ${name}`),
  ).finally(() => progress.clear());
  const ok = results.every((result) => result.pass !== false);
  if (options.json) console.log(JSON.stringify({ url, provider: options.provider, ok, checks: results }));
  else printTable(results, url, options.provider);
  return ok ? 0 : 1;
}

function printTable(results: CheckResult[], url: string, provider: string): void {
  const style = stdoutPalette();
  const width = Math.max(...results.map((r) => r.name.length));
  console.log(`${url} (${provider})`);
  for (const result of results) {
    const verdict = result.pass === null ? style.dim('SKIP') : result.pass ? style.ok('PASS') : style.bad('FAIL');
    console.log(`${verdict}  ${result.name.padEnd(width)}  ${result.evidence}`);
  }
  const failed = results.filter((r) => r.pass === false).length;
  console.log(failed === 0 ? style.ok('all checks passed') : style.bad(`${failed} check(s) failed`));
}
