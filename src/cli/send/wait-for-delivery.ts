import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-error.js';
import type { ApiClient } from '../client/api-client.js';

/** How often the API is asked about the delivery. */
const POLL_INTERVAL_MS = 200;

/** An attempt as the API shows it (the fields the CLI reads). */
export interface AttemptJson {
  id: string;
  endpointId: string;
  url: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  status: number;
  timestamp: string;
}

/** How one endpoint's delivery ended, as far as `--wait` waits. */
export interface DeliveryOutcome {
  endpointId: string;
  url: string;
  /** `failed`: an attempt failed; hookd may still retry (`nextAttempt`). */
  state: 'delivered' | 'failed' | 'canceled';
  /** The attempt that decided it (none for a canceled delivery). */
  attempt: AttemptJson | null;
  attemptCount: number;
  nextAttempt: string | null;
}

interface MessageEndpointJson {
  id: string;
  url: string;
  status: number;
  nextAttempt: string | null;
}

/**
 * Polls the message's deliveries until each endpoint has been delivered to, has failed an attempt,
 * or was canceled; `onProgress` hears a line per poll. Resolves with one outcome per endpoint (none
 * when no endpoint took the message). Throws CliError after `timeoutMs` without an outcome.
 */
export async function waitForDelivery(
  client: ApiClient,
  app: string,
  msgId: string,
  { timeoutMs, onProgress }: { timeoutMs: number; onProgress: (line: string) => void },
): Promise<DeliveryOutcome[]> {
  const base = `/api/v1/app/${encodeURIComponent(app)}`;
  const started = Date.now();
  for (;;) {
    const endpoints = await client.request<{ data: MessageEndpointJson[] }>(
      'GET',
      `${base}/msg/${msgId}/endpoint?expanded_statuses=true&limit=250`,
    );
    const attempts = await client.request<{ data: AttemptJson[] }>('GET', `${base}/attempt/msg/${msgId}?limit=250`);
    const outcomes = endpoints.data.map((endpoint) => outcomeOf(endpoint, attempts.data));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const done = outcomes.filter((outcome) => outcome !== null).length;
    if (done === outcomes.length) return outcomes as DeliveryOutcome[];
    onProgress(`waiting for delivery: ${done}/${outcomes.length} endpoint(s) done, ${seconds} s`);
    if (Date.now() - started > timeoutMs) {
      throw new CliError(
        `no delivery outcome within ${timeoutMs / 1000} s for ${outcomes.length - done} endpoint(s); ` +
          `see GET ${base}/attempt/msg/${msgId}`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/** An endpoint's outcome, or null while its first attempt is still to come. Attempts are newest first. */
function outcomeOf(endpoint: MessageEndpointJson, attempts: AttemptJson[]): DeliveryOutcome | null {
  const own = attempts.filter((attempt) => attempt.endpointId === endpoint.id);
  const common = { endpointId: endpoint.id, url: endpoint.url, attemptCount: own.length };
  const success = own.find((attempt) => attempt.status === 0);
  // MessageStatus: 0 success, 1 pending, 2 fail, 3 sending, 4 canceled.
  if (endpoint.status === 0 && success) {
    return { ...common, state: 'delivered', attempt: success, nextAttempt: null };
  }
  if (endpoint.status === 4) return { ...common, state: 'canceled', attempt: own[0] ?? null, nextAttempt: null };
  if (own.length > 0 && own[0].status !== 0 && endpoint.status !== 3) {
    return { ...common, state: 'failed', attempt: own[0], nextAttempt: endpoint.nextAttempt };
  }
  return null;
}
