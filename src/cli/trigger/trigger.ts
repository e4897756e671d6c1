import { CliError } from '../cli-error.js';
import { stdoutPalette } from '../output/colors.js';
import { type OutgoingRequest, sendRequest } from '../http/send-request.js';
import { providers } from '../../core/verify/providers.js';
import { describeSamples, SAMPLES } from './sample-events.js';

export interface TriggerOptions {
  to: string;
  secret: string;
  json?: boolean;
  /** Seconds to wait for the receiver's answer. */
  timeout: number;
}

/**
 * Builds a provider's sample event, signed with `secret` exactly as the provider signs (the
 * verification spec's `sign`), for `url`. Throws CliError (exit 2) for an unknown provider or event,
 * or a secret the scheme cannot sign with.
 */
export function buildSignedEvent(
  provider: string,
  event: string,
  url: string,
  secret: string,
  nowMs: number,
): OutgoingRequest {
  const samples = Object.hasOwn(SAMPLES, provider) ? SAMPLES[provider] : undefined;
  if (!samples) throw new CliError(`unknown provider ${JSON.stringify(provider)}; known:\n${describeSamples()}`, 2);
  const build = Object.hasOwn(samples.events, event) ? samples.events[event] : samples.anyEvent?.(event);
  if (!build) {
    throw new CliError(`${provider} has no sample event ${JSON.stringify(event)}; known:\n${describeSamples()}`, 2);
  }
  const sample = build(nowMs);
  const unsigned = {
    method: 'POST',
    url,
    headers: [['content-type', sample.contentType] as const, ...Object.entries(sample.headers)],
    body: Buffer.from(sample.body),
  };
  const sign = providers[samples.type].sign;
  if (!sign) throw new CliError(`${provider} cannot be signed here`, 2);
  try {
    return { ...unsigned, headers: [...unsigned.headers, ...sign(unsigned, secret, nowMs)] };
  } catch (err) {
    throw new CliError(`--secret: ${(err as Error).message}`, 2);
  }
}

/**
 * `hookd trigger <provider> <event> --to URL --secret S`: sends the signed sample event and
 * reports the receiver's answer. Exit 0 on a 2xx answer, 1 otherwise.
 */
export async function trigger(provider: string, event: string, options: TriggerOptions): Promise<number> {
  if (!URL.canParse(options.to) || !/^https?:$/.test(new URL(options.to).protocol)) {
    throw new CliError(`--to: ${JSON.stringify(options.to)} is not an http(s) URL`, 2);
  }
  const outgoing = buildSignedEvent(provider, event, options.to, options.secret, Date.now());
  const answer = await sendRequest(outgoing, options.timeout * 1000);
  const ok = answer.status >= 200 && answer.status < 300;
  if (options.json) {
    console.log(
      JSON.stringify({
        provider,
        event,
        url: options.to,
        ok,
        status: answer.status,
        durationMs: Math.round(answer.durationMs),
        response: answer.body,
        request: { headers: outgoing.headers, body: Buffer.from(outgoing.body).toString('utf8') },
      }),
    );
  } else {
    const style = stdoutPalette();
    const verdict = ok ? style.ok(String(answer.status)) : style.bad(String(answer.status));
    console.log(`${provider} ${event} → ${options.to}: ${verdict} in ${Math.round(answer.durationMs)} ms`);
    if (answer.body) console.log(style.dim(answer.body.slice(0, 500)));
  }
  return ok ? 0 : 1;
}
