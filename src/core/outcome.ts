/**
 * What one HTTP attempt means for its delivery:
 * - `success`: a 2xx; the delivery is done.
 * - `retry`: any other failure; try again by the schedule.
 * - `throttled`: 429; try again, but not sooner than the throttle floor.
 * - `timeout`: no full response in time; try again, not sooner than the throttle floor either
 *   (a receiver that times out is usually overloaded).
 * - `gone`: 410; the receiver asked us to stop, the endpoint is disabled.
 */
export type Outcome = 'success' | 'retry' | 'throttled' | 'timeout' | 'gone';

/** The result of one attempt as far as classification cares: a status, or why there was none. */
export type AttemptResult = { statusCode: number } | { error: 'timeout' | 'connection' | 'refused' };

const HTTP_GONE = 410;
const HTTP_TOO_MANY_REQUESTS = 429;

/**
 * Classifies an attempt. Only 2xx succeeds: a 3xx is a failure because redirects are never
 * followed (following one could lead a signed request to an address the SSRF guard refused).
 * A refusal by the SSRF guard retries like a connection error: the operator may allow the
 * network, or the DNS answer may change, before the schedule runs out.
 */
export function classifyOutcome(r: AttemptResult): Outcome {
  if ('error' in r) return r.error === 'timeout' ? 'timeout' : 'retry';
  const status = r.statusCode;
  if (status >= 200 && status <= 299) return 'success';
  if (status === HTTP_GONE) return 'gone';
  if (status === HTTP_TOO_MANY_REQUESTS) return 'throttled';
  return 'retry';
}
