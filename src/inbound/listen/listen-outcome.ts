import { classifyOutcome } from '../../core/outcome.js';
import { newId } from '../../core/ids.js';
import { redactHeaders } from '../../core/sensitive-headers.js';
import type { EventAttempt, EventDelivery } from '../../core/types.js';
import type { Config } from '../../config/config.js';
import { endToEndHeaders } from '../../delivery/event-request.js';
import { nextDeliveryState } from '../../delivery/next-state.js';
import type { DeliveryOutcome, Store } from '../../store/store.js';

/** What `hookd listen` reports after forwarding an event to the local URL (or failing to). */
export interface ListenReport {
  /** The URL it forwarded to (the `--forward-to` URL with the request's sub-path and query). */
  url: string;
  /** The local response's status; 0 when none came (see `error`). */
  statusCode: number;
  /** The local response's body, truncated; or what went wrong. */
  response: string;
  durationMs: number;
  /** Why no response came: the local receiver refused the connection, or did not answer in time. */
  error?: 'connection' | 'timeout';
}

/**
 * Records a listen session's report as the event's attempt, as the engine records one of its own
 * (core/outcome.ts classifies it, delivery/next-state.ts decides: success, a retry by the
 * destination's schedule or the server's, or fail), through `queue.record` under the session's
 * lease: a report for an event no longer leased to `sessionId` changes nothing but the history.
 * The attempt's request headers are the request's end-to-end headers, as the CLI forwarded them.
 */
export async function recordListenOutcome(
  deps: { store: Store; config: Pick<Config, 'retryScheduleSeconds'>; now: () => number },
  sessionId: string,
  event: EventDelivery,
  report: ListenReport,
): Promise<DeliveryOutcome> {
  const { store, config } = deps;
  const [destination, request] = await Promise.all([
    store.destinations.get(event.destinationId),
    store.requests.getRequest(event.requestId),
  ]);
  const now = deps.now();
  const result = report.error === undefined ? { statusCode: report.statusCode } : { error: report.error };
  const outcome = classifyOutcome(result);
  const attempt: EventAttempt = {
    kind: 'event',
    id: newId('atmpt', now),
    deliveryId: event.id,
    requestId: event.requestId,
    destinationId: event.destinationId,
    url: report.url,
    status: outcome === 'success' ? 'success' : 'fail',
    responseStatusCode: report.error === undefined ? report.statusCode : 0,
    response: report.response,
    responseDurationMs: Math.round(report.durationMs),
    requestHeaders: request === null ? {} : redactHeaders(endToEndHeaders(request.headers)),
    trigger: event.trigger,
    createdAt: now,
  };
  const next = nextDeliveryState({
    attempt,
    outcome,
    retryAfterSeconds: null,
    attemptsMade: event.attemptCount + 1,
    trigger: event.trigger,
    scheduleSeconds: destination?.retrySchedule ?? config.retryScheduleSeconds,
    now,
  });
  await store.queue.record(sessionId, [next], now);
  return next;
}
