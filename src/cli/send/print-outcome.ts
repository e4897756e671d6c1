import { stdoutPalette } from '../output/colors.js';
import type { ArrivedRequest, RequestJson } from './arrived-request.js';
import type { DeliveryOutcome } from './wait-for-delivery.js';

/** How much of a body `send --wait` shows. */
const SHOWN_BODY_BYTES = 4096;

/** Prints one endpoint's outcome, and the request as it arrived when hookd itself received it. */
export function printOutcome(outcome: DeliveryOutcome, arrived: ArrivedRequest | null): void {
  const style = stdoutPalette();
  const attempt = outcome.attempt;
  const answer = attempt ? `${attempt.responseStatusCode} in ${attempt.responseDurationMs} ms` : 'no attempt';
  if (outcome.state === 'delivered') {
    console.log(`${style.ok('delivered')} to ${outcome.url}: ${answer} (attempt ${outcome.attemptCount})`);
  } else if (outcome.state === 'canceled') {
    console.log(`${style.bad('canceled')}: the delivery to ${outcome.url} was canceled`);
  } else {
    const retry = outcome.nextAttempt ? `; hookd retries at ${outcome.nextAttempt}` : '; no retry left';
    const response = attempt?.response ? `: ${attempt.response.slice(0, 200)}` : '';
    console.log(`${style.bad('failed')} at ${outcome.url}: ${answer}${response}${retry}`);
  }
  if (!arrived) return;
  console.log(style.dim(`\nas it arrived at source ${arrived.source} (${arrived.request.id}):`));
  console.log(requestText(arrived.request, `/in/${arrived.source}`));
  const signature = arrived.signature;
  console.log(
    signature.ok
      ? style.ok('valid signature') + style.dim(" (Standard Webhooks, the endpoint's secret)")
      : style.bad(`invalid signature (${signature.cause}): ${signature.detail}`),
  );
}

/** A request in HTTP/1.1 text form (its path after `pathPrefix`): request line, headers, blank line, body (text, cut at 4 KiB). */
export function requestText(request: RequestJson, pathPrefix = ''): string {
  const target = `${pathPrefix}${request.path}${request.query ? `?${request.query}` : ''}`;
  const lines = [`${request.method} ${target}`, ...request.headers.map(([name, value]) => `${name}: ${value}`)];
  const body = Buffer.from(request.body, 'base64');
  const shown = body.subarray(0, SHOWN_BODY_BYTES).toString('utf8');
  const cut = body.length > SHOWN_BODY_BYTES ? `\n… (${body.length} bytes in all)` : '';
  return `${lines.join('\n')}\n\n${shown}${cut}\n`;
}
