/**
 * The receive benches' requests to `/in/{source}`: the bench payload made unique per request (a
 * `bench_seq` field; the same key goes in `x-bench-seq`, which hookd forwards and the receiver
 * counts by), optionally signed as Stripe signs (its own package's test signer). Signing is done
 * before a run starts, so the generator only picks a ready request when it sends.
 */
import Stripe from 'stripe';
import type { LoadRequest } from './load.js';

/** The source's verification secret; any `whsec_` string will do for hookd's Stripe verifier. */
export const STRIPE_SECRET = 'whsec_bench_0123456789abcdef';

/** The bench's Stripe source's timestamp tolerance: longer than any run. */
export const STRIPE_TOLERANCE_SECONDS = 3_600;

const stripe = new Stripe('sk_test_unused');

export type IngestSigning = 'none' | 'stripe';

/**
 * Requests `prefix-0` … `prefix-(count-1)` to `path`, built (and signed) now; index i → its request.
 * A Stripe signature carries the time it was made: the bench's source accepts it for
 * STRIPE_TOLERANCE_SECONDS (Stripe's default, 300 s, could end within a long run).
 */
export function prepareIngestRequests(
  path: string,
  payloadJson: string,
  signing: IngestSigning,
  prefix: string,
  count: number,
): (index: number) => LoadRequest {
  const requests = Array.from({ length: count }, (_, i): LoadRequest => {
    const seq = `${prefix}-${i}`;
    const body = `{"bench_seq":"${seq}",${payloadJson.slice(1)}`;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-bench-seq': seq };
    if (signing === 'stripe')
      headers['stripe-signature'] = stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET });
    return { path, headers, body };
  });
  return (index) => {
    const request = requests[index];
    if (request === undefined) throw new Error(`ingest request ${index} of ${prefix} was not prepared`);
    return request;
  };
}
