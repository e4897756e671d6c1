import { sign } from '../core/signing.js';
import type { Config } from '../config/config.js';
import type { Endpoint } from '../core/types.js';
import type { SendRequest } from './http-sender.js';

const USER_AGENT = 'hookd/0.1';

/** The keys that sign now: the current one and every rotated-out key still in its grace period. */
function activeSecrets(endpoint: Endpoint, nowMs: number): string[] {
  return endpoint.secrets.filter((s) => s.expiresAt === null || s.expiresAt > nowMs).map((s) => s.key);
}

/**
 * The request for one attempt of message `msgId` (delivery kind `message`): a POST of its payload
 * text as stored (so the bytes signed are the bytes sent), Standard Webhooks headers signed at
 * send time, and the endpoint's own headers. `webhook-id` is the message id on every attempt, so
 * receivers can dedupe retries. `traceparent`: the attempt's W3C trace context, when it has one.
 */
export function buildMessageRequest(
  endpoint: Endpoint,
  msgId: string,
  payload: string,
  headerStyle: Config['headerStyle'],
  nowMs: number,
  traceparent?: string,
): SendRequest {
  const timestamp = Math.floor(nowMs / 1000);
  const signature = sign(activeSecrets(endpoint, nowMs), msgId, timestamp, payload);
  // A map first: ours replace an endpoint header of the same name (in its place).
  const headers: Record<string, string> = {
    ...endpoint.headers,
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
  };
  for (const prefix of headerStyle === 'both' ? ['webhook', 'svix'] : [headerStyle]) {
    headers[`${prefix}-id`] = msgId;
    headers[`${prefix}-timestamp`] = String(timestamp);
    headers[`${prefix}-signature`] = signature;
  }
  if (traceparent !== undefined) headers.traceparent = traceparent;
  return { method: 'POST', url: endpoint.url, headers: Object.entries(headers), body: Buffer.from(payload, 'utf8') };
}
