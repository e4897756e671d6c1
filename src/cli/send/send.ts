import { ApiClient } from '../client/api-client.js';
import { resolveCredentials } from '../client/credentials.js';
import type { ServerFlags } from '../client/server-options.js';
import { stdoutPalette } from '../output/colors.js';
import { createProgress } from '../output/progress.js';
import { type ArrivedRequest, findArrivedRequest } from './arrived-request.js';
import { readPayload } from './payload.js';
import { printOutcome } from './print-outcome.js';
import { type DeliveryOutcome, waitForDelivery } from './wait-for-delivery.js';

export interface SendOptions extends ServerFlags {
  app: string;
  eventType: string;
  payload?: string;
  file?: string;
  wait?: boolean;
  /** Seconds `--wait` waits for an outcome. */
  timeout: number;
  json?: boolean;
}

interface MessageJson {
  id: string;
  eventType: string;
}

/**
 * `hookd send`: creates a message (POST /api/v1/app/{app}/msg); with `--wait`, waits until each
 * endpoint was delivered to or failed, and when an endpoint is a source of this same hookd, shows
 * the request as it arrived and checks its signature. Exit 0 when sent (with `--wait`: delivered
 * everywhere, signatures valid), 1 otherwise. `--json` prints one JSON object and no progress.
 */
export async function send(options: SendOptions): Promise<number> {
  const payload = await readPayload(options);
  const client = new ApiClient(resolveCredentials(options));
  const sent = await client.requestText<MessageJson>('POST', `/api/v1/app/${encodeURIComponent(options.app)}/msg`, {
    bodyText: `{"eventType":${JSON.stringify(options.eventType)},"payload":${payload}}`,
    notFound: `no application ${JSON.stringify(options.app)} on ${client.server}`,
  });
  const message = sent.json;
  // `--json` prints the message as hookd answered it: its payload's numbers as sent.
  const withMessage = (rest: Record<string, unknown>) => `{"message":${sent.text},${JSON.stringify(rest).slice(1)}`;
  if (!options.wait) {
    if (options.json) console.log(`{"message":${sent.text}}`);
    else console.log(`sent ${message.id} (${message.eventType}) to ${options.app}`);
    return 0;
  }
  const progress = createProgress(options.json === true);
  if (!options.json) console.log(`sent ${message.id} (${message.eventType}) to ${options.app}`);
  const outcomes = await waitForDelivery(client, options.app, message.id, {
    timeoutMs: options.timeout * 1000,
    onProgress: (line) => progress.update(line),
  }).finally(() => progress.clear());
  const arrivals = await Promise.all(
    outcomes.map((outcome) =>
      outcome.state === 'delivered' ? findArrivedRequest(client, options.app, outcome, message.id) : null,
    ),
  );
  const ok =
    outcomes.length > 0 && outcomes.every((o, i) => o.state === 'delivered' && arrivals[i]?.signature.ok !== false);
  if (options.json) {
    console.log(withMessage({ ok, deliveries: outcomes.map((o, i) => deliveryJson(o, arrivals[i])) }));
  } else {
    report(outcomes, arrivals);
  }
  return ok ? 0 : 1;
}

function report(outcomes: DeliveryOutcome[], arrivals: (ArrivedRequest | null)[]): void {
  if (outcomes.length === 0) {
    console.log(stdoutPalette().bad('no endpoint takes this message: nothing was delivered'));
    return;
  }
  for (const [i, outcome] of outcomes.entries()) printOutcome(outcome, arrivals[i]);
}

function deliveryJson(outcome: DeliveryOutcome, arrived: ArrivedRequest | null) {
  return {
    ...outcome,
    arrived: arrived && {
      source: arrived.source,
      request: arrived.request,
      signature: arrived.signature.ok
        ? { valid: true }
        : { valid: false, cause: arrived.signature.cause, detail: arrived.signature.detail },
    },
  };
}
